// Direct tests of the validated-chain cache (lib/core/chain_cache.hpp):
// probing, capacity, removal and the owner's rebuild, and lock-free readers
// racing a writer that follows the core's discipline (registry.cpp: inserts,
// removals and rebuilds only under the graph lock).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/chain_cache.hpp"

namespace {

using lockdep::internal::chain_cache;

// Keys are hashes in the core; a bijective mixer gives distinct, spread keys.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

TEST(ChainCache, InsertThenContains) {
  chain_cache c;
  ASSERT_TRUE(c.init(8));
  EXPECT_EQ(c.capacity(), 8u);
  EXPECT_EQ(c.size(), 0u);
  for (std::uint64_t i = 0; i < 8; ++i) EXPECT_FALSE(c.contains(mix(i)));
  for (std::uint64_t i = 0; i < 5; ++i) EXPECT_TRUE(c.insert(mix(i)));
  EXPECT_EQ(c.size(), 5u);
  for (std::uint64_t i = 0; i < 5; ++i) EXPECT_TRUE(c.contains(mix(i)));
  for (std::uint64_t i = 5; i < 8; ++i) EXPECT_FALSE(c.contains(mix(i)));
  // A second insert of a key is a no-op.
  EXPECT_TRUE(c.insert(mix(2)));
  EXPECT_EQ(c.size(), 5u);
}

TEST(ChainCache, SlotsAreTwiceTheCapacityRoundedUp) {
  chain_cache c;
  ASSERT_TRUE(c.init(5));
  EXPECT_EQ(c.bytes(), 16 * sizeof(std::uint64_t));
  chain_cache d;
  ASSERT_TRUE(d.init(8));
  EXPECT_EQ(d.bytes(), 16 * sizeof(std::uint64_t));
}

TEST(ChainCache, SentinelValuedKeysAreStorable) {
  chain_cache c;
  ASSERT_TRUE(c.init(4));
  EXPECT_FALSE(c.contains(chain_cache::k_empty));
  EXPECT_FALSE(c.contains(chain_cache::k_removed));
  EXPECT_TRUE(c.insert(chain_cache::k_empty));
  EXPECT_TRUE(c.insert(chain_cache::k_removed));
  EXPECT_TRUE(c.contains(0));
  EXPECT_TRUE(c.contains(1));
  EXPECT_EQ(c.size(), 2u);
  c.remove(0);
  EXPECT_FALSE(c.contains(0));
  EXPECT_TRUE(c.contains(1));
}

TEST(ChainCache, FullCacheRejectsNewKeys) {
  chain_cache c;
  ASSERT_TRUE(c.init(4));
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(c.insert(mix(i)));
  EXPECT_FALSE(c.insert(mix(4)));
  EXPECT_FALSE(c.contains(mix(4)));
  EXPECT_EQ(c.size(), 4u);
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(c.contains(mix(i)));
  // Removing one makes room again.
  c.remove(mix(1));
  EXPECT_TRUE(c.insert(mix(4)));
  EXPECT_TRUE(c.contains(mix(4)));
  EXPECT_FALSE(c.contains(mix(1)));
}

TEST(ChainCache, ZeroCapacityHoldsNothing) {
  chain_cache c;
  ASSERT_TRUE(c.init(0));
  EXPECT_FALSE(c.insert(42));
  EXPECT_FALSE(c.contains(42));
}

// Keys with the same home slot (16 slots: equal low 4 bits) probe past each
// other, across the end of the table, and past removed slots.
TEST(ChainCache, CollidingKeysSurviveRemovalOfEarlierOnes) {
  chain_cache c;
  ASSERT_TRUE(c.init(8));  // 16 slots
  const std::uint64_t a = 0x10f, b = 0x20f, d = 0x30f;  // home slot 15: b and d wrap to 0, 1
  ASSERT_TRUE(c.insert(a));
  ASSERT_TRUE(c.insert(b));
  ASSERT_TRUE(c.insert(d));
  EXPECT_TRUE(c.contains(d));
  c.remove(a);
  c.remove(b);
  EXPECT_FALSE(c.contains(a));
  EXPECT_FALSE(c.contains(b));
  EXPECT_TRUE(c.contains(d));  // found past two removed slots
  EXPECT_EQ(c.size(), 1u);
  // A re-insert takes the first removed slot and is found again.
  ASSERT_TRUE(c.insert(b));
  EXPECT_TRUE(c.contains(b));
  EXPECT_TRUE(c.contains(d));
  EXPECT_FALSE(c.contains(a));
  // Inserting a key already stored past a removed slot must not duplicate it.
  ASSERT_TRUE(c.insert(d));
  EXPECT_EQ(c.size(), 2u);
  c.remove(d);
  EXPECT_FALSE(c.contains(d));
  c.remove(0x40f);  // absent: no effect
  EXPECT_EQ(c.size(), 1u);
}

// The core's rebuild (registry.cpp rebuild_chain_table): clear, then
// re-insert the live keys.
void rebuild(chain_cache& c, const std::vector<std::uint64_t>& live) {
  c.clear();
  for (std::uint64_t k : live) c.insert(k);
}

TEST(ChainCache, RemovedSlotsTriggerRebuild) {
  chain_cache c;
  ASSERT_TRUE(c.init(8));  // 16 slots; rebuild past 12 used
  std::vector<std::uint64_t> live;
  std::uint64_t next = 0;
  for (; live.size() < 4; ++next) {
    ASSERT_TRUE(c.insert(mix(next)));
    live.push_back(mix(next));
  }
  EXPECT_FALSE(c.needs_rebuild());
  // Churn: the live count stays at 4, removed slots pile up.
  int churn = 0;
  while (!c.needs_rebuild()) {
    ASSERT_LT(++churn, 1000) << "removed slots never counted";
    c.remove(live.front());
    live.erase(live.begin());
    ASSERT_TRUE(c.insert(mix(next)));
    live.push_back(mix(next++));
    EXPECT_EQ(c.size(), 4u);
  }
  for (std::uint64_t k : live) EXPECT_TRUE(c.contains(k));
  rebuild(c, live);
  EXPECT_FALSE(c.needs_rebuild());
  EXPECT_EQ(c.size(), 4u);
  for (std::uint64_t k : live) EXPECT_TRUE(c.contains(k));
  for (std::uint64_t i = 0; i + 4 < next; ++i) EXPECT_FALSE(c.contains(mix(i)));
}

TEST(ChainCache, ClearEmptiesEverything) {
  chain_cache c;
  ASSERT_TRUE(c.init(8));
  for (std::uint64_t i = 0; i < 8; ++i) ASSERT_TRUE(c.insert(mix(i)));
  c.remove(mix(3));
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.needs_rebuild());
  for (std::uint64_t i = 0; i < 8; ++i) EXPECT_FALSE(c.contains(mix(i)));
  for (std::uint64_t i = 8; i < 16; ++i) EXPECT_TRUE(c.insert(mix(i)));
}

// Readers probe without any lock while a writer inserts, removes and
// rebuilds under a mutex standing in for the graph lock. A key never
// inserted must never be found, not even during a rebuild; every probe must
// end; a published key must be found by a probe no rebuild overlaps (a
// rebuild may make the warm path miss: the core then takes the slow path).
// Which probes a rebuild overlaps is settled by a Dekker handshake of
// seq_cst flags: the reader announces a checked probe, then looks for a
// rebuild; the writer announces a rebuild, then waits out checked probes.
TEST(ChainCache, ConcurrentReadersSeeCommittedKeys) {
  constexpr std::uint32_t k_capacity = 32, k_permanent = 16, k_churn_live = 12;
  constexpr std::uint64_t k_never = 1ull << 40;  // mix(k_never + i): never inserted
  chain_cache c;
  ASSERT_TRUE(c.init(k_capacity));
  std::mutex graph_lock;
  std::atomic<std::uint32_t> published{0};  // permanent keys 0..published-1 are in
  std::atomic<bool> rebuilding{false};
  std::atomic<bool> in_check[2] = {false, false};
  std::atomic<bool> done{false};
  std::atomic<int> readers_started{0};
  std::atomic<std::uint64_t> false_positives{0}, missed{0}, checked{0};
  std::uint32_t rebuilds = 0;

  std::thread writer([&] {
    std::vector<std::uint64_t> churn;  // live churn keys, oldest first
    std::uint64_t next_churn = 0;
    while (readers_started.load(std::memory_order_acquire) < 2) std::this_thread::yield();
    // Runs until the readers have made enough checked probes, however the
    // threads are scheduled.
    for (int round = 0; round < 20000 || checked.load(std::memory_order_relaxed) < 1000; ++round) {
      std::lock_guard<std::mutex> g(graph_lock);
      const std::uint32_t p = published.load(std::memory_order_relaxed);
      if (p < k_permanent && round % 8 == 0) {
        EXPECT_TRUE(c.insert(mix(2 * p)));
        published.store(p + 1, std::memory_order_release);
      }
      if (churn.size() >= k_churn_live) {
        c.remove(churn.front());
        churn.erase(churn.begin());
      }
      const std::uint64_t k = mix(2 * next_churn++ + 1);
      EXPECT_TRUE(c.insert(k));
      churn.push_back(k);
      if (c.needs_rebuild()) {
        rebuilding.store(true, std::memory_order_seq_cst);
        for (auto& f : in_check)
          while (f.load(std::memory_order_seq_cst)) std::this_thread::yield();
        std::vector<std::uint64_t> live;
        for (std::uint32_t i = 0; i < published.load(std::memory_order_relaxed); ++i) live.push_back(mix(2 * i));
        live.insert(live.end(), churn.begin(), churn.end());
        rebuild(c, live);
        rebuilding.store(false, std::memory_order_release);
        ++rebuilds;
      }
    }
    done.store(true, std::memory_order_release);
  });

  auto reader = [&](int me, std::uint64_t seed) {
    std::uint64_t r = seed;
    readers_started.fetch_add(1, std::memory_order_release);
    while (!done.load(std::memory_order_acquire)) {
      r = mix(r);
      if (c.contains(mix(k_never + r % 1024))) false_positives.fetch_add(1, std::memory_order_relaxed);
      const std::uint32_t p = published.load(std::memory_order_acquire);
      if (p == 0) continue;
      in_check[me].store(true, std::memory_order_seq_cst);
      if (!rebuilding.load(std::memory_order_seq_cst)) {
        checked.fetch_add(1, std::memory_order_relaxed);
        if (!c.contains(mix(2 * (r % p)))) missed.fetch_add(1, std::memory_order_relaxed);
      }
      in_check[me].store(false, std::memory_order_release);
    }
  };
  std::thread r1(reader, 0, 1), r2(reader, 1, 2);
  writer.join();
  r1.join();
  r2.join();

  EXPECT_EQ(false_positives.load(), 0u);
  EXPECT_EQ(missed.load(), 0u);
  EXPECT_GE(checked.load(), 1000u);
  EXPECT_GT(rebuilds, 0u);  // the race covered rebuilds, not only inserts
  for (std::uint32_t i = 0; i < k_permanent; ++i) EXPECT_TRUE(c.contains(mix(2 * i)));
  EXPECT_EQ(c.size(), k_permanent + k_churn_live);
}

}  // namespace
