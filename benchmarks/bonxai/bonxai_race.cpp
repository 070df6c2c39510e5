// bonxai_race: the Bonxai side of the race (Bonxai's ProbabilisticMap, single-threaded, OctoMap's sensor model).
//
// Usage: bonxai_race <scan.bin> <repetitions> <out.json>
//
// Reads an OCCSCAN1 scan file (benchmarks/common/occscan.hpp), builds a fresh ProbabilisticMap from all its frames
// <repetitions> times (each frame one insertPointCloud with its sensor origin and the file's maximum range; unlimited
// range as an infinite one) and writes the timings (per repetition and median, per frame) and the last map's known,
// free and occupied voxels and memUsage() to <out.json>. Bonxai is used unmodified (MPL-2.0).
//
// Build: ./build.sh (needs BONXAI_DIR, a Bonxai checkout, and Debian's libeigen3-dev)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "../common/occscan.hpp"
#include "bonxai_map/probabilistic_map.hpp"

using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string jarr(const std::vector<double>& v) {
  std::string s = "[";
  char buf[64];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s%.6f", i ? ", " : "", v[i]);
    s += buf;
  }
  return s + "]";
}

struct Counts {
  uint64_t known = 0, free = 0, occupied = 0;
};

Counts count(const Bonxai::ProbabilisticMap& map) {
  Counts c;
  const int32_t threshold = map.options().occupancy_threshold_log;
  map.grid().forEachCell([&](const Bonxai::ProbabilisticMap::CellT& cell, const Bonxai::CoordT&) {
    if (cell.probability_log == Bonxai::ProbabilisticMap::UnknownProbability) return;
    c.known++;
    if (cell.probability_log > threshold) c.occupied++;
    else if (cell.probability_log < threshold) c.free++;
  });
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " <scan.bin> <repetitions> <out.json>\n";
    return 2;
  }

  try {
    const occscan::Scan s = occscan::read(argv[1]);
    const int reps = std::max(1, std::atoi(argv[2]));
    const double maxRange = s.maxRange > 0 ? s.maxRange : std::numeric_limits<double>::infinity();

    // The frames as Eigen points, converted once outside the timed region (as OctoMap's harness converts to Pointcloud).
    std::vector<std::vector<Eigen::Vector3d>> clouds(s.frames.size());
    std::vector<Eigen::Vector3d> origins(s.frames.size());
    for (size_t f = 0; f < s.frames.size(); ++f) {
      const auto& o = s.frames[f].origin;
      origins[f] = Eigen::Vector3d(o.x, o.y, o.z);
      clouds[f].reserve(s.frames[f].points.size());
      for (const auto& p : s.frames[f].points) clouds[f].emplace_back(p.x, p.y, p.z);
    }

    std::vector<double> totalMs, perFrame;
    Counts counts;
    size_t memory = 0;
    for (int r = 0; r < reps + 1; ++r) {  // the first build warms caches and the allocator, and is not kept
      auto map = std::make_unique<Bonxai::ProbabilisticMap>(s.resolution);
      auto t0 = Clock::now();
      for (size_t f = 0; f < clouds.size(); ++f) map->insertPointCloud(clouds[f], origins[f], maxRange);
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (r > 0) {
        totalMs.push_back(ms);
        perFrame.push_back(ms / double(std::max<size_t>(1, clouds.size())));
      }
      if (r == reps) {
        counts = count(*map);
        memory = map->grid().memUsage();
      }
    }

    std::ofstream j(argv[3]);
    j << "{\n"
      << "  \"library\": \"bonxai\",\n"
      << "  \"map_type\": \"ProbabilisticMap (OctoMap's sensor model: hit 0.7, miss 0.4, clamp 0.12-0.97)\",\n"
      << "  \"repetitions\": " << reps << ",\n"
      << "  \"frame_count\": " << clouds.size() << ",\n"
      << "  \"point_count\": " << s.totalPoints << ",\n"
      << "  \"resolution\": " << s.resolution << ",\n"
      << "  \"max_range\": " << s.maxRange << ",\n"
      << "  \"insert\": {\n"
      << "    \"total_ms\": " << jarr(totalMs) << ",\n"
      << "    \"ms_per_frame\": " << jarr(perFrame) << ",\n"
      << "    \"median_total_ms\": " << median(totalMs) << ",\n"
      << "    \"median_ms_per_frame\": " << median(perFrame) << "\n"
      << "  },\n"
      << "  \"map\": {\"known_voxels\": " << counts.known << ", \"free_voxels\": " << counts.free
      << ", \"occupied_voxels\": " << counts.occupied << ", \"mem_usage_bytes\": " << memory << "}\n"
      << "}\n";
    std::cout << "bonxai: " << clouds.size() << " frames, median " << median(perFrame) << " ms a frame over " << reps
              << " builds; known voxels " << counts.known << " (occupied " << counts.occupied << "), memUsage "
              << memory << " B\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bonxai_race: " << e.what() << "\n";
    return 1;
  }
}
