using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading;

namespace Occupancy;

/// <summary>
/// The brick pass of a depth frame: each brick of the frustum's box that meets the frustum is placed against the
/// depth tiles (behind every surface it faces: skipped; wholly in front: updated without reading the image; across:
/// each voxel centre reads its pixel) and updated by the projective kernel, one row of bricks per item.
/// </summary>
public sealed partial class DepthImageIntegrator
{
    private readonly record struct Candidate(int X, int Y, int Z, Vector3 Origin);

    /// <summary>Runs the projective kernel on the bricks of one row of the frustum's brick box that meet the frustum.</summary>
    private sealed unsafe class BrickJob(DepthImageIntegrator owner) : ParallelJob
    {
        private float* _depth;
        private byte* _noEndpoints;
        private ProjectiveFrame _frame;
        private Frustum _frustum;
        private Vector3 _cameraPosition;
        private Quaternion _toCamera;
        private Vector3 _stepX, _stepY, _stepZ;
        private Vector3 _brickStepX;
        private int _rowsY;

        /// <summary>Rows of the frustum's brick box (one per y and z).</summary>
        public int RowCount { get; private set; }

        public void Start(float* depth, byte* noEndpoints, in ProjectiveFrame frame, in Frustum frustum, Vector3 cameraPosition, Quaternion toCamera, Vector3 stepX, Vector3 stepY, Vector3 stepZ)
        {
            _depth = depth;
            _noEndpoints = noEndpoints;
            _frame = frame;
            _frustum = frustum;
            _cameraPosition = cameraPosition;
            _toCamera = toCamera;
            _stepX = stepX;
            _stepY = stepY;
            _stepZ = stepZ;
            _brickStepX = VoxelKey.BrickSize * stepX;
            _rowsY = frustum.BrickMax.Y - frustum.BrickMin.Y + 1;
            RowCount = _rowsY * (frustum.BrickMax.Z - frustum.BrickMin.Z + 1);
        }

        public override void Execute(int index, int worker)
        {
            Worker w = owner._workers[worker];
            OccupancyMap map = owner._map;
            ProjectiveKernel kernel = owner._kernel;
            int by = _frustum.BrickMin.Y + (index % _rowsY), bz = _frustum.BrickMin.Z + (index / _rowsY);
            int bx0 = _frustum.BrickMin.X;
            (int first, int last) = _frustum.RowSpan(Origin(bx0, by, bz), _brickStepX, _frustum.BrickMax.X - bx0 + 1);
            for (int bx = bx0 + first; bx <= bx0 + last; bx++)
            {
                Vector3 origin = Origin(bx, by, bz);
                if (!_frustum.Intersects(origin))
                {
                    continue;
                }

                var c = new Candidate(bx, by, bz, origin);
                int slot = map.FindBrick(c.X, c.Y, c.Z);
                bool hasEndpoints = false;
                ref ulong words = ref Unsafe.NullRef<ulong>();
                if (slot >= 0)
                {
                    words = ref owner._workers[0].Endpoints.Words(slot);
                    hasEndpoints = (Volatile.Read(ref Unsafe.Add(ref words, EndpointWords)) & HasEndpoints) != 0;
                }

                float behind = float.PositiveInfinity;
                Place place = owner._skipping != BrickSkipping.None ? PlaceOf(c.Origin, hasEndpoints, out behind) : Place.Across;
                if (place == Place.Behind)
                {
                    continue;
                }

                var projection = new BrickProjection(c.Origin, _stepX, _stepY, _stepZ) { Behind = behind };

                int n;
                if (slot >= 0)
                {
                    ref ulong flags = ref Unsafe.Add(ref words, EndpointWords);
                    if (hasEndpoints)
                    {
                        Interlocked.Or(ref flags, Visited);
                    }

                    fixed (float* brick = map.BrickAt(slot))
                    fixed (ulong* mask = &words)
                    {
                        byte* endpoints = hasEndpoints ? (byte*)mask : _noEndpoints;
                        n = kernel.IntegrateBrick(brick, projection, _frame, place == Place.InFront ? null : _depth, endpoints);
                    }

                    if ((n & 0xFFFF) > 0)
                    {
                        map.MarkObserved(slot);
                    }
                }
                else
                {
                    float[] scratch = w.Scratch;
                    fixed (float* brick = scratch)
                    {
                        n = kernel.IntegrateBrick(brick, projection, _frame, place == Place.InFront ? null : _depth, _noEndpoints);
                    }

                    if ((n & 0xFFFF) > 0)
                    {
                        w.KeepScratch(c);
                    }
                }

                w.Updated += n & 0xFFFF;
                w.Hits += n >> 16;
            }
        }

        /// <summary>Optical-frame centre of voxel (0, 0, 0) of a brick; relative to the camera in double, for large worlds.</summary>
        private Vector3 Origin(int bx, int by, int bz)
        {
            double res = owner._map.Resolution;
            const int brickSize = VoxelKey.BrickSize;
            var relative = new Vector3(
                (float)((((bx * brickSize) + 0.5) * res) - _cameraPosition.X),
                (float)((((by * brickSize) + 0.5) * res) - _cameraPosition.Y),
                (float)((((bz * brickSize) + 0.5) * res) - _cameraPosition.Z));
            return Vector3.Transform(relative, _toCamera);
        }

        /// <summary>Where a brick lies against the surfaces its voxel centres project onto.</summary>
        private enum Place
        {
            /// <summary>The surfaces may cross it, or it is too near the camera to tell: each voxel reads its pixel.</summary>
            Across,

            /// <summary>Every voxel centre lies farther than the deepest return plus the band, or none projects into the image: nothing changes.</summary>
            Behind,

            /// <summary>Every voxel centre lies nearer than the shallowest depth minus the band, and every pixel there has a return: each voxel that projects into the image is free.</summary>
            InFront,
        }

        /// <summary>
        /// Places a brick from the tiles of the pixels its voxel centres can project into: behind when every centre is
        /// farther along the optical axis than the deepest return (plus the band) of those tiles, or none of them has a
        /// return, or the brick projects outside the image (only for a brick without endpoints, whose hits must still be
        /// given); in front when every centre is nearer than the shallowest depth of those tiles minus the band and
        /// none of their pixels lacks a return (with <see cref="BrickSkipping.BehindAndInFront"/>).
        /// </summary>
        /// <param name="origin">Optical-frame centre of the brick's voxel (0, 0, 0).</param>
        /// <param name="hasEndpoints">Whether the brick holds endpoints of this frame.</param>
        /// <param name="behind">
        /// For a brick across the surfaces, <see cref="BrickProjection.Behind"/>: the deepest return of those tiles plus
        /// the band and a margin (1 mm and 10 ppm, far above the rounding of the kernel's depth differences and range
        /// products); +∞ when unknown.
        /// </param>
        private Place PlaceOf(Vector3 origin, bool hasEndpoints, out float behind)
        {
            behind = float.PositiveInfinity;
            const float halfSpan = (VoxelKey.BrickSize - 1) * 0.5f;
            Vector3 ex = halfSpan * _stepX, ey = halfSpan * _stepY, ez = halfSpan * _stepZ;
            Vector3 centre = origin + ex + ey + ez;
            float reachZ = MathF.Abs(ex.Z) + MathF.Abs(ey.Z) + MathF.Abs(ez.Z);
            float zMin = centre.Z - reachZ, zMax = centre.Z + reachZ;
            if (zMin <= 0.05f)
            {
                return Place.Across; // too close to project safely
            }

            ProjectiveFrame f = _frame;
            float uMin = float.MaxValue, uMax = float.MinValue, vMin = float.MaxValue, vMax = float.MinValue;
            for (int corner = 0; corner < 8; corner++)
            {
                Vector3 p = centre + ((corner & 1) == 0 ? -ex : ex) + ((corner & 2) == 0 ? -ey : ey) + ((corner & 4) == 0 ? -ez : ez);
                float u = (f.Fx * p.X / p.Z) + f.Cx, v = (f.Fy * p.Y / p.Z) + f.Cy;
                uMin = MathF.Min(uMin, u);
                uMax = MathF.Max(uMax, u);
                vMin = MathF.Min(vMin, v);
                vMax = MathF.Max(vMax, v);
            }

            // Pixels the centres can land in (rounding to the nearest pixel), one pixel of margin, clamped to the image.
            int u0 = Math.Max(0, (int)MathF.Floor(uMin - 0.5f)), u1 = Math.Min(f.Width - 1, (int)MathF.Ceiling(uMax + 0.5f));
            int v0 = Math.Max(0, (int)MathF.Floor(vMin - 0.5f)), v1 = Math.Min(f.Height - 1, (int)MathF.Ceiling(vMax + 0.5f));
            if (u0 > u1 || v0 > v1)
            {
                return hasEndpoints ? Place.Across : Place.Behind; // projects outside the image
            }

            DepthTiles tiles = owner._tiles;
            float deepest = tiles.DeepestOfTiles(u0, u1, v0, v1);
            if (!hasEndpoints)
            {
                // Behind when nearer than zMin there is no return: the deepest return needed to keep the brick is zMin − band.
                float keep = zMin - f.Band - 1e-3f;
                if (deepest < keep)
                {
                    return Place.Behind;
                }
            }

            behind = deepest + f.Band + 1e-3f + (deepest * 1e-5f);

            // In front when every pixel there holds a return deeper than zMax + band: each centre's sd = d − z exceeds the band.
            float needed = zMax + f.Band + 1e-3f;
            return owner._skipping == BrickSkipping.BehindAndInFront && tiles.ShallowestOfTiles(u0, u1, v0, v1) > needed ? Place.InFront : Place.Across;
        }
    }

    /// <summary>One thread's share of a frame.</summary>
    private sealed class Worker
    {
        public readonly SlotWords Endpoints = new(WordsPerSlot);
        public int[] Touched = new int[256];
        public int TouchedCount;
        public Candidate[] NewBrickCandidates = new Candidate[64];
        public float[]?[] NewBricks = new float[64][];
        public int NewBrickCount;
        public int Updated;
        public int Hits;
        public float[] Scratch = NewScratch();
        public int[] KeyX = [];
        public int[] KeyY = [];
        public int[] KeyZ = [];
        public int[] AboveX = [];
        public int[] AboveY = [];
        public int[] AboveZ = [];
        public ulong[] Fresh = [];
        public float[] ColumnMax = [];
        public float[] ColumnMin = [];
        public int[] Missed = [];
        public long[] CacheKeys = new long[512];
        public nint[] CacheWords = new nint[512];

        /// <summary>Row buffers for the endpoint kernel, kept between frames.</summary>
        public void EnsureRow(int width)
        {
            if (KeyX.Length < width)
            {
                KeyX = new int[width];
                KeyY = new int[width];
                KeyZ = new int[width];
                AboveX = new int[width];
                AboveY = new int[width];
                AboveZ = new int[width];
                Fresh = new ulong[(width + 63) / 64];
                ColumnMax = new float[width];
                ColumnMin = new float[width];
                Missed = new int[width];
            }
        }

        public DepthSummary Summary;

        public void Reset()
        {
            TouchedCount = NewBrickCount = Updated = Hits = 0;
            Summary = default;
            CacheKeys.AsSpan().Fill(-1); // no brick packs to -1; slots may be reused between frames, so the cache lasts one
        }

        public void Touch(int slot)
        {
            if (TouchedCount == Touched.Length)
            {
                Array.Resize(ref Touched, TouchedCount * 2);
            }

            Touched[TouchedCount++] = slot;
        }

        /// <summary>The scratch brick received updates: keep it as <paramref name="candidate"/>'s new brick.</summary>
        public void KeepScratch(Candidate candidate)
        {
            if (NewBrickCount == NewBricks.Length)
            {
                Array.Resize(ref NewBricks, NewBrickCount * 2);
                Array.Resize(ref NewBrickCandidates, NewBrickCount * 2);
            }

            // The next scratch is a brick kept in an earlier frame (its voxels copied into the map since), or a new one.
            float[]? spare = NewBricks[NewBrickCount];
            NewBricks[NewBrickCount] = Scratch;
            NewBrickCandidates[NewBrickCount++] = candidate;
            if (spare is null)
            {
                Scratch = NewScratch();
            }
            else
            {
                spare.AsSpan().Fill(float.NaN);
                Scratch = spare;
            }
        }

        private static float[] NewScratch()
        {
            var scratch = GC.AllocateUninitializedArray<float>(OccupancyMap.BrickVoxels);
            scratch.AsSpan().Fill(float.NaN);
            return scratch;
        }
    }
}
