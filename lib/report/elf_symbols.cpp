// Function symbols of loaded objects, read from their files (elf_symbols.hpp).
#include "report/elf_symbols.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "core/immortal.hpp"
#include "core/spin_mutex.hpp"

LOCKDEP_INTERNAL_BEGIN

namespace {

struct function_range {
  std::uintptr_t start, end;  // link-time addresses
  const char* name;
};

// One loaded object, as found by dl_iterate_phdr.
struct object_symbols {
  std::string path;
  std::uintptr_t bias = 0;  // run-time address minus link-time address
  std::vector<function_range> functions;  // sorted by start
};

struct symbol_tables {
  spin_mutex lock;
  std::vector<object_symbols*> objects;  // never freed: the names are handed out
};

struct object_of_pc {
  std::uintptr_t pc;
  std::string path;
  std::uintptr_t bias = 0;
  bool found = false;
};

int find_object(dl_phdr_info* info, std::size_t, void* data) {
  auto* o = static_cast<object_of_pc*>(data);
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
    if (o->pc < begin || o->pc - begin >= ph.p_memsz) continue;
    o->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
    o->bias = info->dlpi_addr;
    o->found = true;
    return 1;
  }
  return 0;
}

// The function symbols of the file at `path` (the symbol table, or the
// dynamic one where the file was stripped). The file stays mapped: the
// names point into it, and only the pages read are loaded.
void read_functions(object_symbols& obj) {
  const int fd = open(obj.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  void* map = fstat(fd, &st) == 0 && st.st_size > 0
                  ? mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0)
                  : MAP_FAILED;
  close(fd);
  if (map == MAP_FAILED) return;
  const auto* base = static_cast<const unsigned char*>(map);
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
  const bool usable = size >= sizeof(ElfW(Ehdr)) && std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 &&
                      eh->e_ident[EI_CLASS] == (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32) &&
                      eh->e_shentsize == sizeof(ElfW(Shdr)) && eh->e_shoff < size &&
                      (size - eh->e_shoff) / sizeof(ElfW(Shdr)) >= eh->e_shnum;
  if (!usable) {
    munmap(map, size);
    return;
  }
  const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + eh->e_shoff);
  const ElfW(Shdr)* table = nullptr;
  for (unsigned pass = 0; pass < 2 && !table; ++pass)
    for (ElfW(Half) i = 0; i < eh->e_shnum; ++i)
      if (sh[i].sh_type == (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM) && sh[i].sh_link < eh->e_shnum) table = &sh[i];
  const ElfW(Shdr)* strings = table ? &sh[table->sh_link] : nullptr;
  if (!table || table->sh_offset > size || table->sh_size > size - table->sh_offset ||
      strings->sh_offset > size || strings->sh_size > size - strings->sh_offset || strings->sh_size == 0 ||
      base[strings->sh_offset + strings->sh_size - 1] != 0) {
    munmap(map, size);
    return;
  }
  const auto* syms = reinterpret_cast<const ElfW(Sym)*>(base + table->sh_offset);
  const std::size_t count = table->sh_size / sizeof(ElfW(Sym));
  const char* names = reinterpret_cast<const char*>(base + strings->sh_offset);
  for (std::size_t i = 0; i < count; ++i) {
    const ElfW(Sym)& s = syms[i];
    const unsigned type = ELF64_ST_TYPE(s.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || s.st_size == 0 ||
        s.st_name >= strings->sh_size)
      continue;
    obj.functions.push_back(function_range{s.st_value, s.st_value + s.st_size, names + s.st_name});
  }
  std::sort(obj.functions.begin(), obj.functions.end(),
            [](const function_range& a, const function_range& b) { return a.start < b.start; });
}

object_symbols* symbols_for(symbol_tables& t, const object_of_pc& where) {
  for (object_symbols* o : t.objects)
    if (o->bias == where.bias && o->path == where.path) return o;
  auto* o = new object_symbols{where.path, where.bias, {}};
  read_functions(*o);
  t.objects.push_back(o);
  return o;
}

}  // namespace

std::uintptr_t function_start_of(std::uintptr_t pc, symbol_name_visitor each, void* data) {
  object_of_pc where{pc, {}, 0, false};
  dl_iterate_phdr(&find_object, &where);  // the loader's lock: not under ours
  if (!where.found) return 0;
  symbol_tables& t = immortal<symbol_tables>();
  std::lock_guard<spin_mutex> g(t.lock);
  const object_symbols* obj = symbols_for(t, where);
  const std::uintptr_t at = pc - where.bias;
  // The last function starting at or before `at`, then back over its
  // aliases (same start); a few steps further back where it ends before
  // `at` (a symbol nested in a larger one).
  auto it = std::upper_bound(obj->functions.begin(), obj->functions.end(), at,
                             [](std::uintptr_t a, const function_range& f) { return a < f.start; });
  std::uintptr_t start = 0;
  for (unsigned back = 0; it != obj->functions.begin() && back < 16; ++back) {
    --it;
    if (start && it->start != start) break;
    if (at >= it->end) continue;  // a smaller function before it, or an alias ending earlier
    start = it->start;
    if (each) each(it->name, data);
  }
  return start ? start + where.bias : 0;
}

LOCKDEP_INTERNAL_END
