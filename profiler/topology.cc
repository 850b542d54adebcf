// topology.cc — the one place that talks to hwloc (see topology.h).
#include "profiler/topology.h"

#include <hwloc.h>
#include <unistd.h>

#include <map>

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
  return t;
}

}  // namespace llmsizer::profiler
