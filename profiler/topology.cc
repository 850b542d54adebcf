// topology.cc — the one place that talks to hwloc (see topology.h).
#include "profiler/topology.h"

#include <hwloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "core/units.h"
#include "kernels/cpu/isa.h"
#include "schema/text_writer.h"

namespace llmsizer::profiler {

Topology discover_topology(const std::string& synthetic) {
  Topology t;
  hwloc_topology_t topo = nullptr;
  if (hwloc_topology_init(&topo) != 0) return t;
  if (!synthetic.empty()) hwloc_topology_set_synthetic(topo, synthetic.c_str());
  if (hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    return t;
  }
  t.packages = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
  t.cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  t.hardware_threads = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  t.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
  if (hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0)) {
    if (const char* model = hwloc_obj_get_info_by_name(pkg, "CPUModel")) t.cpu_model = model;
  }
  const hwloc_obj_type_t cache_types[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE};
  int level = 1;
  for (const auto ct : cache_types) {
    const int n = hwloc_get_nbobjs_by_type(topo, ct);
    if (n > 0) {
      hwloc_obj_t c = hwloc_get_obj_by_type(topo, ct, 0);
      t.caches.push_back({level, c->attr ? c->attr->cache.size : 0, n});
    }
    ++level;
  }
  hwloc_obj_t root = hwloc_get_root_obj(topo);
  t.hwloc_memory_bytes = root->total_memory;
  hwloc_topology_destroy(topo);
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0)
    t.os_memory_bytes = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  if (synthetic.empty()) {
    t.isa = detect_isa();
    if (std::FILE* f = std::fopen("/sys/fs/cgroup/memory.max", "r")) {
      unsigned long long v = 0;
      if (std::fscanf(f, "%llu", &v) == 1) t.cgroup_limit_bytes = v;  // "max" leaves it 0
      std::fclose(f);
    }
  }
  return t;
}

std::uint64_t Topology::usable_memory_bytes() const {
  // The OS count is what processes can allocate; hwloc's NUMA figures come from firmware
  // tables that VMs often fill in partially (seen here: 6.7 GiB of a 24 GiB VM). A cgroup
  // limit, when set, caps it further.
  const std::uint64_t base = os_memory_bytes ? os_memory_bytes : hwloc_memory_bytes;
  return cgroup_limit_bytes && cgroup_limit_bytes < base ? cgroup_limit_bytes : base;
}

std::vector<std::string> detect_isa() {
  return kernels::cpu::listed_cpu_features();
}

std::string topology_table(const Topology& t) {
  std::string out =
      fmt::format("cpu            {}\n", t.cpu_model.empty() ? "(unknown)" : t.cpu_model);
  out += fmt::format("packages       {}\ncores          {}\nthreads        {}\nNUMA nodes     {}\n",
                     t.packages, t.cores, t.hardware_threads, t.numa_nodes);
  for (const auto& c : t.caches)
    out += fmt::format("L{} cache       {} x {}\n", c.level, c.instances,
                       core::format_bytes(c.size_bytes));
  out +=
      fmt::format("memory         {} (hwloc), {} (OS); planning with {}\n",
                  core::format_bytes(t.hwloc_memory_bytes), core::format_bytes(t.os_memory_bytes),
                  core::format_bytes(t.usable_memory_bytes()));
  std::string isa;
  for (const auto& i : t.isa) isa += (isa.empty() ? "" : " ") + i;
  out += fmt::format("ISA            {}\n", isa.empty() ? "(none detected)" : isa);
  out +=
      "basis: measured on this host (hwloc topology, the OS's memory count, CPU feature "
      "flags)\n";
  return out;
}

std::string topology_json(const Topology& t,
                          const std::function<void(schema::JsonWriter&)>& extra) {
  schema::JsonWriter j;
  j.begin_object();
  j.key("schema").value("host-topology").key("schema_version").value(1);
  j.key("cpu_model").value(t.cpu_model);
  j.key("packages").value(t.packages).key("cores").value(t.cores);
  j.key("hardware_threads").value(t.hardware_threads).key("numa_nodes").value(t.numa_nodes);
  j.key("caches").begin_array();
  for (const auto& c : t.caches) {
    j.begin_object();
    j.key("level")
        .value(c.level)
        .key("size_bytes")
        .value(c.size_bytes)
        .key("instances")
        .value(c.instances);
    j.end_object();
  }
  j.end_array();
  j.key("hwloc_memory_bytes").value(t.hwloc_memory_bytes);
  j.key("os_memory_bytes").value(t.os_memory_bytes);
  j.key("cgroup_limit_bytes").value(t.cgroup_limit_bytes);
  j.key("usable_memory_bytes").value(t.usable_memory_bytes());
  j.key("isa").begin_array();
  for (const auto& i : t.isa) j.value(i);
  j.end_array();
  if (extra) extra(j);
  j.end_object();
  return j.str();
}

}  // namespace llmsizer::profiler
