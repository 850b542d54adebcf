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
