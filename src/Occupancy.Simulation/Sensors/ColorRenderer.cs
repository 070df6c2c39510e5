using System;
using System.Globalization;
using System.Numerics;
using System.Threading.Tasks;

namespace Occupancy.Simulation;

/// <summary>
/// Renders colour images of a scene, so that stereo matching has texture to match: every surface carries a procedural
/// texture fixed to the world (value noise over several octaves on the base colour of its semantic class), lit by a sun
/// and an ambient term (Lambert, so a surface looks the same from every camera). Octaves finer than 1.5 to 3 pixels at
/// the surface are faded out, so distant surfaces do not alias differently in two views. Surface normals come from the
/// neighbouring pixels' hit points. Sky is a smooth gradient with no texture. Images are 8-bit, row-major; colour is
/// interleaved R, G, B. The pose maps the optical frame (z forward, x right, y down) to the world frame (metres, z up).
/// </summary>
/// <remarks>Threads: holds no state, so safe to call from any thread.</remarks>
public static class ColorRenderer
{
    private static readonly Vector3 Sun = Vector3.Normalize(new Vector3(0.35f, 0.25f, 0.9f));

    /// <summary>Finest texture wavelength, metres.</summary>
    public const float FinestWavelength = 0.02f;

    /// <summary>Renders an RGB image.</summary>
    /// <param name="scene">The scene.</param>
    /// <param name="intrinsics">Camera intrinsics.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="rgb">Receives 3 × Width × Height bytes (R, G, B per pixel, row-major).</param>
    /// <param name="maxDepth">Surfaces beyond this depth (metres) are not drawn: sky.</param>
    /// <exception cref="ArgumentException">The buffer size does not match the intrinsics, or the pose is not finite.</exception>
    public static void Render(Scene scene, PinholeIntrinsics intrinsics, Pose3 cameraPose, Span<byte> rgb, float maxDepth = 200f)
    {
        Check(scene, intrinsics, cameraPose, rgb.Length, 3, nameof(rgb), maxDepth);
        RenderCore(scene, intrinsics, cameraPose, rgb, 3, maxDepth);
    }

    /// <summary>Renders a grayscale image (luma of the colour image, Rec. 601 weights), as stereo matching takes.</summary>
    /// <param name="scene">The scene.</param>
    /// <param name="intrinsics">Camera intrinsics.</param>
    /// <param name="cameraPose">Pose of the optical frame in the world frame.</param>
    /// <param name="gray">Receives Width × Height bytes, row-major.</param>
    /// <param name="maxDepth">Surfaces beyond this depth (metres) are not drawn: sky.</param>
    /// <exception cref="ArgumentException">The buffer size does not match the intrinsics, or the pose is not finite.</exception>
    public static void RenderGray(Scene scene, PinholeIntrinsics intrinsics, Pose3 cameraPose, Span<byte> gray, float maxDepth = 200f)
    {
        Check(scene, intrinsics, cameraPose, gray.Length, 1, nameof(gray), maxDepth);
        RenderCore(scene, intrinsics, cameraPose, gray, 1, maxDepth);
    }

    /// <summary>The base colour of a semantic class (linear 0 to 1 per channel) before texture and light.</summary>
    /// <param name="semanticClass">The class.</param>
    public static Vector3 BaseColor(SemanticClass semanticClass) => semanticClass switch
    {
        SemanticClass.Ground => new Vector3(0.32f, 0.32f, 0.34f),
        SemanticClass.Wall => new Vector3(0.62f, 0.42f, 0.32f),
        SemanticClass.Ceiling => new Vector3(0.8f, 0.8f, 0.78f),
        SemanticClass.Furniture => new Vector3(0.55f, 0.4f, 0.25f),
        SemanticClass.Vehicle => new Vector3(0.3f, 0.38f, 0.62f),
        SemanticClass.Pedestrian => new Vector3(0.7f, 0.35f, 0.3f),
        SemanticClass.Vegetation => new Vector3(0.25f, 0.5f, 0.2f),
        SemanticClass.Pole => new Vector3(0.5f, 0.5f, 0.5f),
        SemanticClass.Sidewalk => new Vector3(0.62f, 0.6f, 0.56f),
        _ => new Vector3(0.6f, 0.6f, 0.6f),
    };

    private static void Check(Scene scene, PinholeIntrinsics intrinsics, Pose3 cameraPose, int length, int channels, string name, float maxDepth)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (!intrinsics.IsValid || length != intrinsics.PixelCount * channels)
        {
            ThrowHelper.BufferSize(name, length, intrinsics.PixelCount * channels, string.Create(CultureInfo.InvariantCulture, $"a {intrinsics.Width}x{intrinsics.Height} image with {channels} channel(s)"));
        }

        if (!cameraPose.IsFinite)
        {
            ThrowHelper.Argument(nameof(cameraPose), string.Create(CultureInfo.InvariantCulture, $"cameraPose must be finite, but was {cameraPose}."));
        }

        ThrowHelper.ThrowIfNotPositiveFinite(maxDepth, nameof(maxDepth));
    }

    private static unsafe void RenderCore(Scene scene, PinholeIntrinsics k, Pose3 pose, Span<byte> output, int channels, float maxDepth)
    {
        int width = k.Width, height = k.Height;
        // One row of hits above and below each pixel is needed for normals: cast every pixel first.
        var depth = new float[k.PixelCount];
        var primitive = new int[k.PixelCount];
        Parallel.For(0, height, v =>
        {
            DepthRenderer.CastRow(scene, k, pose, v, maxDepth, depth.AsSpan(v * width, width), primitive.AsSpan(v * width, width));
            for (int u = 0; u < width; u++)
            {
                if (primitive[(v * width) + u] < 0)
                {
                    depth[(v * width) + u] = float.NaN;
                }
            }
        });

        fixed (byte* outPtr = output)
        {
            byte* o = outPtr;
            Parallel.For(0, height, v =>
            {
                for (int u = 0; u < width; u++)
                {
                    int i = (v * width) + u;
                    Vector3 direction = pose.Rotate(k.RayThrough(u, v));
                    Vector3 color;
                    if (primitive[i] < 0)
                    {
                        // Sky: brighter towards the horizon, no texture.
                        float up = Math.Clamp(Vector3.Normalize(direction).Z, 0f, 1f);
                        color = Vector3.Lerp(new Vector3(0.78f, 0.85f, 0.95f), new Vector3(0.35f, 0.55f, 0.9f), up);
                    }
                    else
                    {
                        Vector3 point = pose.Position + (direction * depth[i]);
                        Vector3 normal = Normal(pose, k, depth, primitive, u, v, point);
                        Vector3 view = Vector3.Normalize(direction);
                        if (Vector3.Dot(normal, view) > 0)
                        {
                            normal = -normal;
                        }

                        // Metres one pixel covers on the surface, larger at grazing angles.
                        float footprint = depth[i] / k.Fx / MathF.Max(0.2f, MathF.Abs(Vector3.Dot(normal, view)));
                        Primitive p = scene.Primitives[primitive[i]];
                        float texture = Texture(point, footprint, primitive[i]);
                        Vector3 albedo = Tint(BaseColor(p.SemanticClass), primitive[i], p.SemanticClass == SemanticClass.Vehicle ? 0.6f : 0.12f) * (0.35f + (1.3f * texture));
                        float light = 0.4f + (0.6f * MathF.Max(0f, Vector3.Dot(normal, Sun)));
                        color = albedo * light;
                    }

                    if (channels == 3)
                    {
                        o[3 * i] = ToByte(color.X);
                        o[(3 * i) + 1] = ToByte(color.Y);
                        o[(3 * i) + 2] = ToByte(color.Z);
                    }
                    else
                    {
                        o[i] = ToByte((0.299f * color.X) + (0.587f * color.Y) + (0.114f * color.Z));
                    }
                }
            });
        }
    }

    private static byte ToByte(float value) => (byte)Math.Clamp((int)((value * 255f) + 0.5f), 0, 255);

    /// <summary>Each primitive's colour varies a little about its class colour (cars are not all one colour).</summary>
    private static Vector3 Tint(Vector3 color, int primitive, float amount)
    {
        uint h = Hash((uint)primitive, 0x9E3779B9u, 17u);
        var shift = new Vector3((h & 255) / 255f, ((h >> 8) & 255) / 255f, ((h >> 16) & 255) / 255f);
        return Vector3.Clamp(color + ((shift - new Vector3(0.5f)) * amount), new Vector3(0.05f), Vector3.One);
    }

    private static Vector3 Normal(Pose3 pose, PinholeIntrinsics k, float[] depth, int[] primitive, int u, int v, Vector3 point)
    {
        int width = k.Width, i = (v * width) + u;
        Vector3 Point(int uu, int vv) => pose.Position + (pose.Rotate(k.RayThrough(uu, vv)) * depth[(vv * width) + uu]);

        // Of the two neighbours along each axis, the one on the same primitive and nearer in depth.
        Vector3 dx = Pick(u > 0 ? (v * width) + u - 1 : -1, u + 1 < width ? (v * width) + u + 1 : -1, out int sx);
        Vector3 dy = Pick(v > 0 ? i - width : -1, v + 1 < k.Height ? i + width : -1, out int sy);
        if (sx == 0 || sy == 0)
        {
            return -Vector3.Normalize(pose.Rotate(k.RayThrough(u, v)));
        }

        Vector3 n = Vector3.Cross(dx * sx, dy * sy);
        return n.LengthSquared() > 0 ? Vector3.Normalize(n) : -Vector3.Normalize(pose.Rotate(k.RayThrough(u, v)));

        Vector3 Pick(int before, int after, out int sign)
        {
            float best = float.PositiveInfinity;
            sign = 0;
            Vector3 d = default;
            Consider(after, 1, ref best, ref sign, ref d);
            Consider(before, -1, ref best, ref sign, ref d);
            return d;
        }

        void Consider(int j, int s, ref float best, ref int sign, ref Vector3 d)
        {
            if (j < 0 || primitive[j] != primitive[i] || float.IsNaN(depth[j]))
            {
                return;
            }

            float gap = MathF.Abs(depth[j] - depth[i]);
            if (gap < best)
            {
                best = gap;
                sign = s;
                d = Point(j % width, j / width) - point;
            }
        }
    }

    /// <summary>
    /// Band-limited value noise about 0.5 (clamped to [0, 1]), fixed to the world: the finest octave that the pixels
    /// resolve (3 pixels or more per wavelength; faded in from 1.5) is the strongest and each coarser one weighs 0.7 of
    /// the one before, so there is contrast between neighbouring pixels at every distance. The sum is scaled by the root
    /// of the summed squared weights, so contrast does not depend on how many octaves are faded out.
    /// </summary>
    private static float Texture(Vector3 p, float footprint, int primitive)
    {
        float sum = 0, weight2 = 0, amplitude = 1;
        float wavelength = FinestWavelength;
        uint seed = (uint)primitive * 31u;
        for (int octave = 0; octave < 10; octave++, wavelength *= 2)
        {
            float w = Math.Clamp((wavelength / footprint / 1.5f) - 1f, 0f, 1f);
            if (w <= 0)
            {
                continue;
            }

            w *= amplitude;
            amplitude *= 0.7f;
            sum += w * (ValueNoise(p / wavelength, seed + (uint)octave) - 0.5f);
            weight2 += w * w;
        }

        return weight2 > 0 ? Math.Clamp(0.5f + (1.6f * sum / MathF.Sqrt(weight2)), 0f, 1f) : 0.5f;
    }

    private static float ValueNoise(Vector3 p, uint seed)
    {
        float fx = MathF.Floor(p.X), fy = MathF.Floor(p.Y), fz = MathF.Floor(p.Z);
        int x = (int)fx, y = (int)fy, z = (int)fz;
        float tx = Smooth(p.X - fx), ty = Smooth(p.Y - fy), tz = Smooth(p.Z - fz);
        float Corner(int dx, int dy, int dz) => (Hash((uint)(x + dx), (uint)(y + dy), (uint)(z + dz) ^ (seed * 0x85EBCA6Bu)) & 0xFFFF) / 65535f;
        float x00 = Lerp(Corner(0, 0, 0), Corner(1, 0, 0), tx), x10 = Lerp(Corner(0, 1, 0), Corner(1, 1, 0), tx);
        float x01 = Lerp(Corner(0, 0, 1), Corner(1, 0, 1), tx), x11 = Lerp(Corner(0, 1, 1), Corner(1, 1, 1), tx);
        return Lerp(Lerp(x00, x10, ty), Lerp(x01, x11, ty), tz);
    }

    private static float Smooth(float t) => t * t * t * ((t * ((t * 6) - 15)) + 10);

    private static float Lerp(float a, float b, float t) => a + ((b - a) * t);

    private static uint Hash(uint x, uint y, uint z)
    {
        uint h = (x * 0x8DA6B343u) ^ (y * 0xD8163841u) ^ (z * 0xCB1AB31Fu);
        h ^= h >> 16;
        h *= 0x7FEB352Du;
        h ^= h >> 15;
        h *= 0x846CA68Bu;
        h ^= h >> 16;
        return h;
    }
}
