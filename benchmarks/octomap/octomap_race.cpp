// octomap_race: C++ side of the Occupancy vs OctoMap 1.9.7 benchmark race.
//
// Usage: octomap_race <scan.bin> <repetitions> <out-prefix>
//
// Reads an OCCSCAN1 scan file (layout: make_test_scan.py / README.md), builds OcTrees
// with OctoMap's default sensor model and writes
//   <out-prefix>.json        all timings (per repetition + median) and map statistics
//   <out-prefix>.voxels.bin  the full-build map classified at finest resolution (OCCVOX01)
//   <out-prefix>.discretized.voxels.bin  the same of the discretize build
//
// Build: ./build.sh   (g++ -O3 -march=native -DNDEBUG -std=c++17 ... -loctomap -loctomath)

#include <octomap/octomap.h>
#include <octomap/OcTree.h>

#include "../common/occscan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kOctomapVersion = "1.9.7";
constexpr double kMinTimedMs = 50.0;  // timed lookup / raycast passes must last at least this long
constexpr unsigned kTreeDepth = 16;   // OcTree depth (fixed in OctoMap)
constexpr int kKeyOffset = 32768;     // OcTree tree_max_val: key 32768 <-> voxel index 0

// ------------------------------------------------------------------ input --

struct Frame {
  octomap::point3d origin;
  octomap::Pointcloud cloud;
};

struct Ray {
  octomap::point3d origin;
  octomap::point3d direction;
  double maxRange;
};

struct Scan {
  double resolution = 0;
  double maxRange = 0;  // as stored in the file (<= 0: unlimited)
  std::vector<Frame> frames;
  std::vector<octomap::point3d> queries;
  std::vector<Ray> rays;
  uint64_t totalPoints = 0;
};

// The scan file's frames, queries and rays as OctoMap's types.
Scan readScan(const std::string& path) {
  occscan::Scan in = occscan::read(path);
  auto p3 = [](const occscan::Point& p) { return octomap::point3d(p.x, p.y, p.z); };
  Scan s;
  s.resolution = in.resolution;
  s.maxRange = in.maxRange;
  s.totalPoints = in.totalPoints;
  s.frames.resize(in.frames.size());
  for (size_t i = 0; i < in.frames.size(); ++i) {
    s.frames[i].origin = p3(in.frames[i].origin);
    s.frames[i].cloud.reserve(in.frames[i].points.size());
    for (const auto& p : in.frames[i].points) s.frames[i].cloud.push_back(p3(p));
  }
  s.queries.reserve(in.queries.size());
  for (const auto& q : in.queries) s.queries.push_back(p3(q));
  s.rays.reserve(in.rays.size());
  for (const auto& r : in.rays) s.rays.push_back(Ray{p3(r.origin), p3(r.direction), r.maxRange});
  return s;
}

// ---------------------------------------------------------------- helpers --

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// OctoMap treats maxrange < 0 as "unlimited"; maxrange == 0 would drop every endpoint.
double octomapMaxRange(double fileMaxRange) { return fileMaxRange > 0 ? fileMaxRange : -1.0; }

void buildTree(octomap::OcTree& tree, const Scan& s, bool discretize) {
  const double mr = octomapMaxRange(s.maxRange);
  for (const auto& f : s.frames)
    tree.insertPointCloud(f.cloud, f.origin, mr, /*lazy_eval*/ false, discretize);
}

struct TreeStats {
  size_t memoryUsage = 0, nodes = 0, leaves = 0;
  uint64_t freeLeaves = 0, occupiedLeaves = 0;
  uint64_t freeVoxels = 0, occupiedVoxels = 0;
  unsigned minLeafDepth = kTreeDepth;
};

TreeStats computeStats(const octomap::OcTree& tree) {
  TreeStats st;
  st.memoryUsage = tree.memoryUsage();
  st.nodes = tree.size();
  st.leaves = tree.getNumLeafNodes();
  for (auto it = tree.begin_leafs(), end = tree.end_leafs(); it != end; ++it) {
    unsigned d = it.getDepth();
    uint64_t voxels = uint64_t(1) << (3 * (kTreeDepth - d));  // 8^(16-d)
    st.minLeafDepth = std::min(st.minLeafDepth, d);
    if (tree.isNodeOccupied(*it)) {
      st.occupiedLeaves++;
      st.occupiedVoxels += voxels;
    } else {
      st.freeLeaves++;
      st.freeVoxels += voxels;
    }
  }
  return st;
}

struct Voxel {
  int32_t x, y, z;
  uint8_t state;
  bool operator<(const Voxel& o) const {
    if (x != o.x) return x < o.x;
    if (y != o.y) return y < o.y;
    return z < o.z;
  }
};

// Writes every known finest-resolution voxel (pruned leaves expanded), sorted by (x,y,z).
uint64_t writeVoxels(const octomap::OcTree& tree, const std::string& path) {
  std::vector<Voxel> vox;
  for (auto it = tree.begin_leafs(), end = tree.end_leafs(); it != end; ++it) {
    unsigned d = it.getDepth();
    uint32_t size = uint32_t(1) << (kTreeDepth - d);  // voxels per axis
    // Iterator key at depth d is the node's "centre" key (min key + size/2 for d < 16);
    // keys of a node are aligned to its size, so masking gives the min corner.
    const octomap::OcTreeKey& k = it.getKey();
    uint32_t mask = ~(size - 1);
    int32_t x0 = int32_t(k[0] & mask) - kKeyOffset;
    int32_t y0 = int32_t(k[1] & mask) - kKeyOffset;
    int32_t z0 = int32_t(k[2] & mask) - kKeyOffset;
    uint8_t state = tree.isNodeOccupied(*it) ? 2 : 1;
    for (uint32_t i = 0; i < size; ++i)
      for (uint32_t j = 0; j < size; ++j)
        for (uint32_t l = 0; l < size; ++l)
          vox.push_back(Voxel{x0 + int32_t(i), y0 + int32_t(j), z0 + int32_t(l), state});
  }
  std::sort(vox.begin(), vox.end());

  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  out.write("OCCVOX01", 8);
  uint64_t count = vox.size();
  out.write(reinterpret_cast<const char*>(&count), 8);
  std::vector<char> rec(13 * vox.size());
  char* p = rec.data();
  for (const auto& v : vox) {
    std::memcpy(p, &v.x, 4);
    std::memcpy(p + 4, &v.y, 4);
    std::memcpy(p + 8, &v.z, 4);
    p[12] = char(v.state);
    p += 13;
  }
  out.write(rec.data(), std::streamsize(rec.size()));
  if (!out) throw std::runtime_error("write failed: " + path);
  return count;
}

// Runs `pass(passes)` with doubling pass counts until one call takes >= kMinTimedMs.
// Returns {ms, passes} of the timed call.
template <typename F>
std::pair<double, uint64_t> timeAtLeast(F&& pass) {
  uint64_t passes = 1;
  for (;;) {
    auto t0 = Clock::now();
    pass(passes);
    double ms = msSince(t0);
    if (ms >= kMinTimedMs) return {ms, passes};
    // aim a bit above the threshold, at least doubling
    double factor = ms > 0 ? 1.2 * kMinTimedMs / ms : 16.0;
    passes = std::max<uint64_t>(passes * 2, uint64_t(std::ceil(passes * factor)));
  }
}

// -------------------------------------------------------------------- json --

std::string jnum(double v) {
  if (!std::isfinite(v)) return "null";
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

std::string jstr(const std::string& in) {
  std::string s = "\"";
  for (unsigned char c : in) {
    if (c == '"' || c == '\\') { s += '\\'; s += char(c); }
    else if (c < 0x20) { char b[8]; std::snprintf(b, sizeof b, "\\u%04x", c); s += b; }
    else s += char(c);
  }
  return s + "\"";
}

std::string jarr(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + jnum(v[i]);
  return s + "]";
}

std::string jstats(const TreeStats& st, const std::string& ind) {
  std::ostringstream o;
  o << "{\n"
    << ind << "  \"memory_usage_bytes\": " << st.memoryUsage << ",\n"
    << ind << "  \"nodes\": " << st.nodes << ",\n"
    << ind << "  \"leaf_nodes\": " << st.leaves << ",\n"
    << ind << "  \"free_leaf_nodes\": " << st.freeLeaves << ",\n"
    << ind << "  \"occupied_leaf_nodes\": " << st.occupiedLeaves << ",\n"
    << ind << "  \"min_leaf_depth\": " << st.minLeafDepth << ",\n"
    << ind << "  \"free_voxels\": " << st.freeVoxels << ",\n"
    << ind << "  \"occupied_voxels\": " << st.occupiedVoxels << ",\n"
    << ind << "  \"known_voxels\": " << (st.freeVoxels + st.occupiedVoxels) << "\n"
    << ind << "}";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " <scan.bin> <repetitions> <out-prefix>\n";
    return 2;
  }
  try {
    const std::string scanPath = argv[1];
    const int reps = std::atoi(argv[2]);
    const std::string prefix = argv[3];
    if (reps < 1) throw std::runtime_error("repetitions must be >= 1");

    Scan s = readScan(scanPath);
    const size_t nFrames = s.frames.size();
    const double perFrame = nFrames ? 1.0 / double(nFrames) : 0.0;

    std::vector<double> fullMs, fullPerFrame, discMs, discPerFrame;
    std::vector<double> lookupNs, rayNs;
    uint64_t lookupPasses = 0, rayPasses = 0;
    uint64_t lookupFound = 0, lookupOccupied = 0, rayHits = 0;
    double lookupChecksum = 0, rayChecksum = 0;
    TreeStats fullStats, discStats;
    double probHit = 0, probMiss = 0, clampMin = 0, clampMax = 0, occThres = 0;
    size_t nodeBytes = 0;

    // Full map is built and queried in each repetition; the last one is kept for stats/voxels.
    std::unique_ptr<octomap::OcTree> full;
    for (int rep = 0; rep < reps; ++rep) {
      full.reset(new octomap::OcTree(s.resolution));
      auto t0 = Clock::now();
      buildTree(*full, s, /*discretize*/ false);
      double ms = msSince(t0);
      fullMs.push_back(ms);
      fullPerFrame.push_back(ms * perFrame);

      // point lookups
      {
        uint64_t found = 0, occ = 0;
        double sum = 0;
        auto pass = [&](uint64_t passes) {
          found = occ = 0;
          sum = 0;
          for (uint64_t p = 0; p < passes; ++p)
            for (const auto& q : s.queries) {
              const octomap::OcTreeNode* n = full->search(q.x(), q.y(), q.z());
              if (n) {
                ++found;
                occ += full->isNodeOccupied(n);
                sum += n->getLogOdds();
              }
            }
        };
        if (!s.queries.empty()) {
          auto [tms, passes] = timeAtLeast(pass);
          lookupNs.push_back(tms * 1e6 / double(passes * s.queries.size()));
          lookupPasses = passes;
          lookupFound = found / passes;
          lookupOccupied = occ / passes;
          lookupChecksum = sum / double(passes);
        }
      }

      // raycasts
      {
        uint64_t hits = 0;
        double sum = 0;
        auto pass = [&](uint64_t passes) {
          hits = 0;
          sum = 0;
          octomap::point3d end;
          for (uint64_t p = 0; p < passes; ++p)
            for (const auto& r : s.rays) {
              if (full->castRay(r.origin, r.direction, end, /*ignoreUnknownCells*/ true, r.maxRange)) {
                ++hits;
                sum += double(end.x()) + 3.0 * end.y() + 7.0 * end.z();
              }
            }
        };
        if (!s.rays.empty()) {
          auto [tms, passes] = timeAtLeast(pass);
          rayNs.push_back(tms * 1e6 / double(passes * s.rays.size()));
          rayPasses = passes;
          rayHits = hits / passes;
          rayChecksum = sum / double(passes);
        }
      }
    }
    fullStats = computeStats(*full);
    probHit = full->getProbHit();
    probMiss = full->getProbMiss();
    clampMin = full->getClampingThresMin();
    clampMax = full->getClampingThresMax();
    occThres = full->getOccupancyThres();
    nodeBytes = full->memoryUsageNode();

    std::unique_ptr<octomap::OcTree> disc;
    for (int rep = 0; rep < reps; ++rep) {
      disc.reset(new octomap::OcTree(s.resolution));
      auto t0 = Clock::now();
      buildTree(*disc, s, /*discretize*/ true);
      double ms = msSince(t0);
      discMs.push_back(ms);
      discPerFrame.push_back(ms * perFrame);
    }
    discStats = computeStats(*disc);
    uint64_t discVoxelCount = writeVoxels(*disc, prefix + ".discretized.voxels.bin");
    disc.reset();

    // File calls on the full tree, in memory (no disk): writeBinary includes its toMaxLikelihood and prune, so it
    // runs on a fresh copy each time (the copy is not timed); the reads parse what the writes produced.
    std::vector<double> btWriteMs, btReadMs, otWriteMs, otReadMs;
    size_t btBytes = 0, otBytes = 0;
    // OCTOMAP_RACE_FILES sets the file round trips (default: max(repetitions, 5)); the LiDAR scenes skip them (0).
    const char* fileRepsEnv = std::getenv("OCTOMAP_RACE_FILES");
    const int fileReps = fileRepsEnv ? std::atoi(fileRepsEnv) : std::max(reps, 5);
    for (int rep = 0; rep < fileReps; ++rep) {
      octomap::OcTree copy(*full);
      std::ostringstream bt, ot;
      auto t0 = Clock::now();
      copy.writeBinary(bt);
      btWriteMs.push_back(msSince(t0));
      t0 = Clock::now();
      full->write(ot);
      otWriteMs.push_back(msSince(t0));
      std::string btData = bt.str(), otData = ot.str();
      btBytes = btData.size();
      otBytes = otData.size();
      std::istringstream btIn(btData), otIn(otData);
      octomap::OcTree readBack(0.1);
      t0 = Clock::now();
      if (!readBack.readBinary(btIn)) throw std::runtime_error("readBinary failed");
      btReadMs.push_back(msSince(t0));
      t0 = Clock::now();
      std::unique_ptr<octomap::AbstractOcTree> any(octomap::AbstractOcTree::read(otIn));
      otReadMs.push_back(msSince(t0));
      if (!any) throw std::runtime_error("read failed");
    }

    uint64_t voxelCount = writeVoxels(*full, prefix + ".voxels.bin");

    uint64_t raysWithRange = 0;
    for (const auto& r : s.rays) raysWithRange += r.maxRange > 0;

    std::ostringstream j;
    j << "{\n"
      << "  \"library\": \"octomap\",\n"
      << "  \"octomap_version\": \"" << kOctomapVersion << "\",\n"
      << "  \"scan_file\": " << jstr(scanPath) << ",\n"
      << "  \"repetitions\": " << reps << ",\n"
      << "  \"resolution\": " << jnum(s.resolution) << ",\n"
      << "  \"max_range\": " << jnum(s.maxRange) << ",\n"
      << "  \"octomap_max_range_arg\": " << jnum(octomapMaxRange(s.maxRange)) << ",\n"
      << "  \"frame_count\": " << nFrames << ",\n"
      << "  \"point_count\": " << s.totalPoints << ",\n"
      << "  \"query_point_count\": " << s.queries.size() << ",\n"
      << "  \"ray_count\": " << s.rays.size() << ",\n"
      << "  \"sensor_model\": {\"prob_hit\": " << jnum(probHit) << ", \"prob_miss\": " << jnum(probMiss)
      << ", \"clamping_min\": " << jnum(clampMin) << ", \"clamping_max\": " << jnum(clampMax)
      << ", \"occupancy_threshold\": " << jnum(occThres) << "},\n"
      << "  \"node_bytes\": " << nodeBytes << ",\n"
      << "  \"insert_full\": {\n"
      << "    \"total_ms\": " << jarr(fullMs) << ",\n"
      << "    \"ms_per_frame\": " << jarr(fullPerFrame) << ",\n"
      << "    \"median_total_ms\": " << jnum(median(fullMs)) << ",\n"
      << "    \"median_ms_per_frame\": " << jnum(median(fullPerFrame)) << "\n"
      << "  },\n"
      << "  \"insert_discretized\": {\n"
      << "    \"total_ms\": " << jarr(discMs) << ",\n"
      << "    \"ms_per_frame\": " << jarr(discPerFrame) << ",\n"
      << "    \"median_total_ms\": " << jnum(median(discMs)) << ",\n"
      << "    \"median_ms_per_frame\": " << jnum(median(discPerFrame)) << "\n"
      << "  },\n"
      << "  \"map_full\": " << jstats(fullStats, "  ") << ",\n"
      << "  \"map_discretized\": " << jstats(discStats, "  ") << ",\n"
      << "  \"lookup\": {\n"
      << "    \"ns_per_lookup\": " << jarr(lookupNs) << ",\n"
      << "    \"median_ns_per_lookup\": " << jnum(median(lookupNs)) << ",\n"
      << "    \"passes\": " << lookupPasses << ",\n"
      << "    \"found\": " << lookupFound << ",\n"
      << "    \"occupied\": " << lookupOccupied << ",\n"
      << "    \"checksum_logodds_sum\": " << jnum(lookupChecksum) << "\n"
      << "  },\n"
      << "  \"raycast\": {\n"
      << "    \"ns_per_ray\": " << jarr(rayNs) << ",\n"
      << "    \"median_ns_per_ray\": " << jnum(median(rayNs)) << ",\n"
      << "    \"passes\": " << rayPasses << ",\n"
      << "    \"hits\": " << rayHits << ",\n"
      << "    \"rays_with_max_range\": " << raysWithRange << ",\n"
      << "    \"checksum_end_sum\": " << jnum(rayChecksum) << "\n"
      << "  },\n"
      << "  \"files\": {\"bt_write_ms\": " << jnum(median(btWriteMs)) << ", \"bt_read_ms\": " << jnum(median(btReadMs))
      << ", \"ot_write_ms\": " << jnum(median(otWriteMs)) << ", \"ot_read_ms\": " << jnum(median(otReadMs))
      << ", \"bt_bytes\": " << btBytes << ", \"ot_bytes\": " << otBytes << "},\n"
      << "  \"voxel_file\": " << jstr(prefix + ".voxels.bin") << ",\n"
      << "  \"voxel_count\": " << voxelCount << ",\n"
      << "  \"discretized_voxel_file\": " << jstr(prefix + ".discretized.voxels.bin") << ",\n"
      << "  \"discretized_voxel_count\": " << discVoxelCount << "\n"
      << "}\n";

    {
      std::ofstream out(prefix + ".json");
      if (!out) throw std::runtime_error("cannot write " + prefix + ".json");
      out << j.str();
    }

    std::printf("octomap %s  res %.4g m  maxRange %.4g  frames %zu  points %llu  reps %d\n", kOctomapVersion,
                s.resolution, s.maxRange, nFrames, (unsigned long long)s.totalPoints, reps);
    std::printf("  insert full        : %10.3f ms/frame (median)\n", median(fullPerFrame));
    std::printf("  insert discretized : %10.3f ms/frame (median)\n", median(discPerFrame));
    std::printf("  map (full)         : %zu nodes, %zu leaves, memoryUsage %zu B, free %llu / occupied %llu voxels\n",
                fullStats.nodes, fullStats.leaves, fullStats.memoryUsage,
                (unsigned long long)fullStats.freeVoxels, (unsigned long long)fullStats.occupiedVoxels);
    std::printf("  lookup             : %10.2f ns (median), %llu/%zu found, %llu occupied\n", median(lookupNs),
                (unsigned long long)lookupFound, s.queries.size(), (unsigned long long)lookupOccupied);
    std::printf("  castRay            : %10.2f ns (median), %llu/%zu hit\n", median(rayNs),
                (unsigned long long)rayHits, s.rays.size());
    std::printf("  files (in memory)  : writeBinary %.2f ms, readBinary %.2f ms (.bt %zu B); write %.2f ms, read %.2f ms (.ot %zu B)\n",
                median(btWriteMs), median(btReadMs), btBytes, median(otWriteMs), median(otReadMs), otBytes);
    std::printf("  wrote %s.json, %s.voxels.bin (%llu voxels), %s.discretized.voxels.bin (%llu voxels)\n", prefix.c_str(),
                prefix.c_str(), (unsigned long long)voxelCount, prefix.c_str(), (unsigned long long)discVoxelCount);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "octomap_race: error: " << e.what() << "\n";
    return 1;
  }
}
