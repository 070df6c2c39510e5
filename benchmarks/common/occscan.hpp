// occscan.hpp: reads an OCCSCAN1 scan file (layout: benchmarks/Occupancy.Race/ScanFile.cs, benchmarks/octomap/README.md)
// into plain arrays, for the C++ sides of the race (octomap_race, bonxai_race). World frame, metres, z up.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace occscan {

struct Point {
  float x, y, z;
};

struct Frame {
  Point origin;
  std::vector<Point> points;
};

struct Ray {
  Point origin;
  Point direction;
  float maxRange;
};

struct Scan {
  double resolution = 0;
  double maxRange = 0;  // as stored in the file (<= 0: unlimited)
  std::vector<Frame> frames;
  std::vector<Point> queries;
  std::vector<Ray> rays;
  uint64_t totalPoints = 0;
};

class Reader {
 public:
  explicit Reader(std::vector<char> data) : buf_(std::move(data)) {}

  template <typename T>
  T get() {
    expect(sizeof(T));
    T v;
    std::memcpy(&v, buf_.data() + pos_, sizeof(T));  // host is little-endian (x86-64)
    pos_ += sizeof(T);
    return v;
  }

  void expect(uint64_t bytes) const {
    if (pos_ + bytes > buf_.size()) throw std::runtime_error("scan file truncated");
  }

  Point point() {
    float x = get<float>(), y = get<float>(), z = get<float>();
    return Point{x, y, z};
  }

  bool atEnd() const { return pos_ == buf_.size(); }

  const char* raw(size_t n) {
    expect(n);
    const char* p = buf_.data() + pos_;
    pos_ += n;
    return p;
  }

 private:
  std::vector<char> buf_;
  size_t pos_ = 0;
};

inline Scan read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Reader r(std::move(data));

  if (std::memcmp(r.raw(8), "OCCSCAN1", 8) != 0) throw std::runtime_error("bad magic (expected OCCSCAN1)");
  uint32_t version = r.get<uint32_t>();
  if (version != 1) throw std::runtime_error("unsupported scan file version " + std::to_string(version));

  Scan s;
  s.resolution = r.get<double>();
  s.maxRange = r.get<double>();
  if (!(s.resolution > 0)) throw std::runtime_error("resolution must be > 0");

  uint32_t frameCount = r.get<uint32_t>();
  s.frames.resize(frameCount);
  for (auto& f : s.frames) {
    f.origin = r.point();
    uint32_t n = r.get<uint32_t>();
    r.expect(uint64_t(n) * 12);
    f.points.reserve(n);
    for (uint32_t i = 0; i < n; ++i) f.points.push_back(r.point());
    s.totalPoints += n;
  }

  uint32_t q = r.get<uint32_t>();
  r.expect(uint64_t(q) * 12);
  s.queries.reserve(q);
  for (uint32_t i = 0; i < q; ++i) s.queries.push_back(r.point());

  uint32_t rc = r.get<uint32_t>();
  r.expect(uint64_t(rc) * 28);
  s.rays.reserve(rc);
  for (uint32_t i = 0; i < rc; ++i) {
    Ray ray;
    ray.origin = r.point();
    ray.direction = r.point();
    ray.maxRange = r.get<float>();
    s.rays.push_back(ray);
  }
  if (!r.atEnd()) std::cerr << "warning: trailing bytes after ray section ignored\n";
  return s;
}

}  // namespace occscan
