// What grouping construction calls costs (member_sites.hpp): the function a
// call lies in comes from the symbol table; the debug information is read
// only for a second call in code an inlined constructor was copied into.
// A lone lock, and the locks an out-of-line constructor builds, never read
// it (#16: no debug information before the first report). Built at -O2
// and -O0 with the member tests.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <string>

#include "core/member_sites.hpp"
#include "lockdep/lockdep.hpp"
#include "report/elf_symbols.hpp"

namespace {

namespace internal = lockdep::internal;

const lockdep::lock_class_key* key_of(lockdep::mutex& m) { return m.lockdep_map().key(); }

std::atomic<int> g_function_lookups{0};
std::atomic<int> g_line_lookups{0};
internal::site_group_hooks g_real{};

// Counts the calls to the installed hooks while it lives.
class counting_hooks {
 public:
  counting_hooks() {
    g_real = internal::site_group_hooks_now();
    g_function_lookups = 0;
    g_line_lookups = 0;
    internal::set_site_group_hooks(internal::site_group_hooks{
        [](std::uintptr_t pc, const char* fn, bool* own) {
          ++g_function_lookups;
          return g_real.function_of(pc, fn, own);
        },
        [](std::uintptr_t pc, char* out, std::size_t cap) {
          ++g_line_lookups;
          return g_real.inlined_into(pc, out, cap);
        }});
  }
  ~counting_hooks() { internal::set_site_group_hooks(g_real); }
};

struct lone {
  lockdep::mutex mu;
};
struct lone_too {
  lockdep::mutex mu;
};
struct pair_out_of_line {
  pair_out_of_line();
  lockdep::mutex first;
  lockdep::mutex second;
};
__attribute__((noinline)) pair_out_of_line::pair_out_of_line() {}

struct pair_inline {
  lockdep::mutex first;
  lockdep::mutex second;
};

__attribute__((noinline)) int marker_function(int x) { return x * 3 + 1; }

}  // namespace

TEST(CoreMemberSitesCost, ALoneLockReadsOnlyTheSymbolTable) {
  counting_hooks count;
  static lone first_static;  // the shape #16 measured: ~500 M instructions when this read the debug info
  lone_too another;          // another site: another group, still one call in it
  EXPECT_NE(key_of(first_static.mu), key_of(another.mu));
  EXPECT_GE(g_function_lookups.load(), 1);
  EXPECT_EQ(g_line_lookups.load(), 0);
}

TEST(CoreMemberSitesCost, AnOutOfLineConstructorsMembersReadOnlyTheSymbolTable) {
  counting_hooks count;
  pair_out_of_line a;
  auto b = std::make_unique<pair_out_of_line>();
  EXPECT_NE(key_of(a.first), key_of(a.second));
  EXPECT_EQ(key_of(a.first), key_of(b->first));
  EXPECT_EQ(key_of(a.second), key_of(b->second));
  EXPECT_LE(g_function_lookups.load(), 2);  // two calls, one object's worth
  EXPECT_EQ(g_line_lookups.load(), 0);
}

// Two objects built on two lines of one function, the second just above
// the first: inlined, its first member must not rank as the first object's
// third (the case that needs the line, read at the second call).
TEST(CoreMemberSitesCost, TwoObjectsOnTwoLinesOfOneFunctionShareTheMembersClasses) {
  counting_hooks count;
  alignas(pair_inline) unsigned char storage[2 * sizeof(pair_inline)];
  auto* x = new (storage) pair_inline;
  auto* y = new (storage + sizeof(pair_inline)) pair_inline;
  EXPECT_NE(key_of(x->first), key_of(x->second));
  EXPECT_EQ(key_of(x->first), key_of(y->first));
  EXPECT_EQ(key_of(x->second), key_of(y->second));
#if defined(__OPTIMIZE__) && !defined(__clang__)
  EXPECT_GE(g_line_lookups.load(), 1);  // g++ inlines it: four calls in one function
#else
  // The constructor's own two calls: -O0, or clang, which keeps a function
  // with two callers that constructs locks out of line (site::here() is
  // `noduplicate`), so this shape costs no debug information there.
  EXPECT_EQ(g_line_lookups.load(), 0);
#endif
  y->~pair_inline();
  x->~pair_inline();
}

TEST(CoreMemberSitesCost, FunctionStartIsTheSymbolsAddress) {
  const auto fn = reinterpret_cast<std::uintptr_t>(&marker_function);
  struct seen {
    bool marker = false;
  } s;
  const std::uintptr_t start = internal::function_start_of(
      fn + 1,
      [](const char* mangled, void* data) {
        if (std::string(mangled).find("marker_function") != std::string::npos) static_cast<seen*>(data)->marker = true;
      },
      &s);
  EXPECT_EQ(start, fn);
  EXPECT_TRUE(s.marker);
  EXPECT_EQ(internal::function_start_of(1), 0u);  // no object there
  EXPECT_EQ(marker_function(1), 4);
}
