// test_topology.cc — hwloc discovery on synthetic topologies (deterministic) and the host.
#include <catch2/catch.hpp>

#include "profiler/topology.h"

using namespace llmsizer;

TEST_CASE("a synthetic topology is counted exactly", "[profiler][topology]") {
  const auto t = profiler::discover_topology("pack:2 l3:1 core:4 l2:1 l1d:1 pu:2");
  CHECK(t.packages == 2);
  CHECK(t.cores == 8);
  CHECK(t.hardware_threads == 16);
}

TEST_CASE("the host has at least one core and the OS reports its memory", "[profiler][topology]") {
  const auto t = profiler::discover_topology();
  CHECK(t.cores >= 1);
  CHECK(t.hardware_threads >= t.cores);
  CHECK(t.os_memory_bytes > 0);
}

TEST_CASE("synthetic caches and memory figures are reported", "[profiler][topology]") {
  const auto t = profiler::discover_topology("pack:1 l3:1 l2:4 l1d:1 core:1 pu:2");
  CHECK(t.cores == 4);
  REQUIRE(t.caches.size() >= 2);
  CHECK(t.caches.front().level == 1);
  CHECK(t.caches.front().instances == 4);
  profiler::Topology m;
  m.hwloc_memory_bytes = 6ull << 30;
  m.os_memory_bytes = 24ull << 30;
  CHECK(m.usable_memory_bytes() == 24ull << 30);  // a VM whose firmware tables are partial
  m.cgroup_limit_bytes = 16ull << 30;
  CHECK(m.usable_memory_bytes() == 16ull << 30);  // a container limit caps it
  m.cgroup_limit_bytes = 0;
  m.os_memory_bytes = 0;
  CHECK(m.usable_memory_bytes() == 6ull << 30);
  const std::string json = profiler::topology_json(t);
  CHECK(json.find("\"cores\": 4") != std::string::npos);
  CHECK(profiler::topology_table(t).find("basis: measured") != std::string::npos);
}
