// topology.h — what this host is: packages, cores, threads, caches, NUMA nodes, memory
// (hwloc, used only in topology.cc) cross-checked with the OS. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmsizer::schema {
class JsonWriter;
}

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
  std::uint64_t cgroup_limit_bytes = 0;  // /sys/fs/cgroup/memory.max; 0 = none
  std::vector<std::string> isa;          // avx2 fma avx512f avx512_vnni avx_vnni amx_tile neon ...

  // The memory to plan with: the OS's count (in VMs hwloc's firmware-derived figure is often
  // partial), capped by a cgroup limit; hwloc's only when the OS gives none.
  std::uint64_t usable_memory_bytes() const;
};

// ISA extensions of the CPU this runs on (kernels::cpu::listed_cpu_features).
std::vector<std::string> detect_isa();

// `llmsizer hw` output: a table for people, or JSON; `extra` (optional) writes more members
// into the JSON object (the GPU list of a CUDA build, profiler/gpu.h).
std::string topology_table(const Topology& t);
std::string topology_json(const Topology& t,
                          const std::function<void(schema::JsonWriter&)>& extra = {});

// Discovers the host; `synthetic` (hwloc synthetic description, e.g.
// "pack:1 core:4 pu:2") makes it deterministic for tests.
Topology discover_topology(const std::string& synthetic = "");

}  // namespace llmsizer::profiler
