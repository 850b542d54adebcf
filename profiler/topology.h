// topology.h — what this host is: packages, cores, threads, caches, NUMA nodes, memory
// (hwloc, used only in topology.cc) cross-checked with the OS. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmsizer::profiler {

struct CacheLevel {
  int level = 0;
  std::uint64_t size_bytes = 0;  // per instance
  int instances = 0;
};

struct Topology {
  std::string cpu_model;
  int packages = 0;
  int cores = 0;
  int hardware_threads = 0;
  int numa_nodes = 0;
  std::vector<CacheLevel> caches;        // data/unified caches, by level
  std::uint64_t hwloc_memory_bytes = 0;  // as hwloc sees it
  std::uint64_t os_memory_bytes = 0;     // sysconf(_SC_PHYS_PAGES) * page size
};

// Discovers the host; `synthetic` (hwloc synthetic description, e.g.
// "pack:1 core:4 pu:2") makes it deterministic for tests.
Topology discover_topology(const std::string& synthetic = "");

}  // namespace llmsizer::profiler
