// OctoMap 1.9.7 (Debian's liboctomap-dev) as the independent side of the file tests:
//   octomap_files fixtures DIR         writes trees liboctomap builds itself, each as NAME.ot (write) and NAME.bt
//                                      (writeBinary): a room at 0.1, 0.08 and 0.05 m, free space only, deep pruning,
//                                      an empty tree; and scans.graph (a ScanGraph of rotated scans of the room)
//   octomap_files dump FILE OUT        reads FILE (.bt: readBinary, .ot: AbstractOcTree::read) and writes, for every
//                                      key in the leaves' bounding box grown by one, what search(key) answers:
//                                      int32 min x, y, z, max x, y, z (OctoMap keys), then one float a key, x fastest
//                                      (NaN where search finds no node)
//   octomap_files time FILE.bt REPS    times writeBinary/readBinary (.bt) and write/read (.ot) of the tree in memory,
//                                      prints JSON
//   octomap_files insert GRAPH OUT.ot RES MAXRANGE DISCRETIZE
//                                      inserts every node of a scan graph with insertPointCloud(node, MAXRANGE (-1:
//                                      none), lazy_eval false, DISCRETIZE 0 or 1) into a tree of RES and writes it (.ot)
#include <octomap/octomap.h>
#include <octomap/OcTree.h>
#include <octomap/ScanGraph.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using octomap::OcTree;
using octomap::OcTreeKey;
using octomap::point3d;
using octomap::Pointcloud;

namespace {

// A box room with a table-sized block inside; rays from inside hit either. For the trees, walls on voxel planes (the
// hardest case for pruning); for the scan graph, walls off them (docs/files.md: on a voxel plane, a grazing ray's last
// voxels depend on float rounding of OctoMap's normalised direction).
struct Box { double lo[3], hi[3]; };
const Box kRoom{{-2.5, -2.0, 0.0}, {2.5, 2.0, 2.6}};
const Box kBlock{{0.6, -0.9, 0.0}, {1.6, 0.1, 0.8}};
const Box kRoomOffGrid{{-2.537, -2.013, -0.021}, {2.468, 1.982, 2.571}};
const Box kBlockOffGrid{{0.613, -0.887, -0.021}, {1.618, 0.113, 0.809}};

double exitDistance(const double o[3], const double d[3], const Box& b) {
  double t = 1e30;
  for (int a = 0; a < 3; ++a) {
    if (d[a] > 1e-12) t = std::min(t, (b.hi[a] - o[a]) / d[a]);
    else if (d[a] < -1e-12) t = std::min(t, (b.lo[a] - o[a]) / d[a]);
  }
  return t;
}

double entryDistance(const double o[3], const double d[3], const Box& b) {
  double t0 = 0, t1 = 1e30;
  for (int a = 0; a < 3; ++a) {
    if (std::fabs(d[a]) < 1e-12) { if (o[a] < b.lo[a] || o[a] > b.hi[a]) return -1; continue; }
    double ta = (b.lo[a] - o[a]) / d[a], tb = (b.hi[a] - o[a]) / d[a];
    if (ta > tb) std::swap(ta, tb);
    t0 = std::max(t0, ta); t1 = std::min(t1, tb);
    if (t0 > t1) return -1;
  }
  return t0;
}

// World points of one scan from origin o: a grid of directions over the sphere.
Pointcloud roomScan(const double o[3], int azimuths, int elevations, const Box& room = kRoom, const Box& block = kBlock) {
  Pointcloud pc;
  for (int e = 0; e < elevations; ++e) {
    double el = -1.35 + 2.7 * (e + 0.5) / elevations;
    for (int a = 0; a < azimuths; ++a) {
      double az = 2 * M_PI * (a + 0.37) / azimuths;
      double d[3] = {std::cos(el) * std::cos(az), std::cos(el) * std::sin(az), std::sin(el)};
      double t = exitDistance(o, d, room);
      double tb = entryDistance(o, d, block);
      if (tb >= 0 && tb < t) t = tb;
      pc.push_back(float(o[0] + t * d[0]), float(o[1] + t * d[1]), float(o[2] + t * d[2]));
    }
  }
  return pc;
}

const double kOrigins[3][3] = {{-1.2, 0.5, 1.3}, {0.2, 1.1, 1.0}, {-0.3, -1.2, 1.7}};

std::unique_ptr<OcTree> room(double res, double maxRange) {
  auto tree = std::make_unique<OcTree>(res);
  for (const auto& o : kOrigins) {
    tree->insertPointCloud(roomScan(o, 240, 120), point3d(float(o[0]), float(o[1]), float(o[2])), maxRange);
  }
  return tree;
}

// An aligned occupied cube of 64^3 voxels and a free one of 32^3 beside it: pruned up to depth 10.
std::unique_ptr<OcTree> deepPruning(double res) {
  auto tree = std::make_unique<OcTree>(res);
  for (int z = 0; z < 64; ++z)
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x)
        tree->updateNode(OcTreeKey(32768 + x, 32768 + y, 32768 + z), true);
  for (int z = 0; z < 32; ++z)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        tree->updateNode(OcTreeKey(32768 - 32 + x, 32768 + y, 32768 + z), false);
  return tree;
}

void save(OcTree& tree, const std::string& path) {
  if (!tree.write(path + ".ot")) throw std::runtime_error("write failed: " + path + ".ot");
  if (!tree.writeBinary(path + ".bt")) throw std::runtime_error("writeBinary failed: " + path + ".bt");
}

// A ScanGraph of the room seen from rotated poses: points in the sensor frame, pose = sensor in the world.
void graph(const std::string& path) {
  octomap::ScanGraph g;
  // Positions off the voxel grid, as a real sensor's are: from a voxel corner exactly, OctoMap's traversal steps one
  // axis at a time through the side voxels where ours steps diagonally (docs/files.md).
  const double poses[4][6] = {{-1.213, 0.527, 1.318, 0.1, -0.2, 0.7}, {0.231, 1.117, 1.029, 0.0, 0.15, -2.1},
                              {-0.342, -1.186, 1.713, -0.3, 0.05, 3.0}, {1.874, 1.529, 0.437, 0.2, 0.3, 1.2}};
  for (const auto& p : poses) {
    double o[3] = {p[0], p[1], p[2]};
    Pointcloud world = roomScan(o, 200, 90, kRoomOffGrid, kBlockOffGrid);
    octomath::Pose6D pose(static_cast<float>(p[0]), static_cast<float>(p[1]), static_cast<float>(p[2]), p[3], p[4], p[5]);
    octomath::Pose6D inverse = pose.inv();
    auto* local = new Pointcloud();
    for (size_t i = 0; i < world.size(); ++i) local->push_back(inverse.transform(world[i]));
    g.addNode(local, pose);
  }
  g.connectPrevious();
  if (!g.writeBinary(path)) throw std::runtime_error("writeBinary failed: " + path);
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::unique_ptr<OcTree> readTree(const std::string& path) {
  if (endsWith(path, ".bt")) {
    auto tree = std::make_unique<OcTree>(0.1);
    if (!tree->readBinary(path)) throw std::runtime_error("readBinary failed: " + path);
    return tree;
  }
  std::unique_ptr<octomap::AbstractOcTree> any(octomap::AbstractOcTree::read(path));
  auto* tree = dynamic_cast<OcTree*>(any.get());
  if (!tree) throw std::runtime_error("not an OcTree: " + path);
  any.release();
  return std::unique_ptr<OcTree>(tree);
}

void dump(const std::string& path, const std::string& out) {
  auto tree = readTree(path);
  int lo[3] = {65536, 65536, 65536}, hi[3] = {-1, -1, -1};
  for (auto it = tree->begin_leafs(), end = tree->end_leafs(); it != end; ++it) {
    OcTreeKey k = it.getIndexKey();
    int side = 1 << (16 - it.getDepth());
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], int(k[a]) - 1);
      hi[a] = std::max(hi[a], int(k[a]) + side);
    }
  }
  for (int a = 0; a < 3; ++a) { lo[a] = std::max(lo[a], 0); hi[a] = std::min(hi[a], 65535); }
  std::ofstream f(out, std::ios::binary);
  f.write(reinterpret_cast<const char*>(lo), sizeof lo);
  f.write(reinterpret_cast<const char*>(hi), sizeof hi);
  std::vector<float> row;
  for (int z = lo[2]; z <= hi[2]; ++z)
    for (int y = lo[1]; y <= hi[1]; ++y) {
      row.clear();
      for (int x = lo[0]; x <= hi[0]; ++x) {
        octomap::OcTreeNode* n = tree->search(OcTreeKey(x, y, z));
        row.push_back(n ? n->getLogOdds() : std::numeric_limits<float>::quiet_NaN());
      }
      f.write(reinterpret_cast<const char*>(row.data()), std::streamsize(row.size() * sizeof(float)));
    }
  if (!f) throw std::runtime_error("cannot write " + out);
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Times OctoMap's own file calls on a full tree (FILE.ot, lossless) in memory: writeBinary includes its
// toMaxLikelihood and prune, so it runs on a fresh copy each time (the copy is not timed).
void timeFiles(const std::string& path, int reps) {
  auto full = readTree(path);
  std::vector<double> wbt, rbt, wot, rot;
  std::string bt, ot;
  for (int r = 0; r < reps; ++r) {
    OcTree copy(*full);
    std::ostringstream sb;
    auto t0 = std::chrono::steady_clock::now();
    copy.writeBinary(sb);
    wbt.push_back(msSince(t0));
    bt = sb.str();
    std::ostringstream so;
    t0 = std::chrono::steady_clock::now();
    full->write(so);
    wot.push_back(msSince(t0));
    ot = so.str();
    std::istringstream ib(bt);
    OcTree readBack(0.1);
    t0 = std::chrono::steady_clock::now();
    readBack.readBinary(ib);
    rbt.push_back(msSince(t0));
    std::istringstream io(ot);
    t0 = std::chrono::steady_clock::now();
    std::unique_ptr<octomap::AbstractOcTree> any(octomap::AbstractOcTree::read(io));
    rot.push_back(msSince(t0));
  }
  std::printf("{\"btWriteMs\": %.4f, \"btReadMs\": %.4f, \"otWriteMs\": %.4f, \"otReadMs\": %.4f, \"btBytes\": %zu, \"otBytes\": %zu, \"nodes\": %zu}\n",
              median(wbt), median(rbt), median(wot), median(rot), bt.size(), ot.size(), full->size());
}

// A scan graph's nodes inserted as graph2tree does (one insertPointCloud per node, the node's pose), with or without
// OctoMap's discretize; written lossless.
void insertGraph(const std::string& graphPath, const std::string& out, double res, double maxRange, bool discretize) {
  octomap::ScanGraph g;
  if (!g.readBinary(graphPath)) throw std::runtime_error("cannot read " + graphPath);
  OcTree tree(res);
  for (octomap::ScanGraph::iterator it = g.begin(); it != g.end(); ++it) {
    tree.insertPointCloud(**it, maxRange, /*lazy_eval*/ false, discretize);
  }
  if (!tree.write(out)) throw std::runtime_error("cannot write " + out);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "fixtures" && argc == 3) {
      std::string dir = argv[2];
      for (double res : {0.1, 0.08, 0.05}) {
        char name[64];
        std::snprintf(name, sizeof name, "/room-%g", res);
        save(*room(res, -1), dir + name);
      }
      save(*room(0.08, 1.5), dir + "/free-only-0.08");
      save(*deepPruning(0.1), dir + "/deep-pruning-0.1");
      OcTree empty(0.1);
      save(empty, dir + "/empty-0.1");
      graph(dir + "/scans.graph");
      return 0;
    }
    if (cmd == "dump" && argc == 4) { dump(argv[2], argv[3]); return 0; }
    if (cmd == "time" && argc == 4) { timeFiles(argv[2], std::atoi(argv[3])); return 0; }
    if (cmd == "insert" && argc == 7) {
      insertGraph(argv[2], argv[3], std::atof(argv[4]), std::atof(argv[5]), std::atoi(argv[6]) != 0);
      return 0;
    }
    std::cerr << "usage: octomap_files fixtures DIR | dump FILE OUT | time FILE.ot REPS | insert GRAPH OUT.ot RES MAXRANGE DISCRETIZE\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "octomap_files: " << e.what() << "\n";
    return 1;
  }
}
