// SurroundVision: a car on the synthetic street sees the world only through cameras: four stereo pairs on its roof
// (front, left, rear, right; 640x480, 0.5 m baselines). Semi-global matching turns each pair into a depth image, the
// four depth images are integrated into one occupancy map as one rig frame, and the map is scored against the street's
// ground truth: occupied IoU, semantic mIoU (labels from the rendered classes, standing in for a segmentation network)
// and RayIoU. It writes the front camera's image, its stereo depth, and a bird's-eye view of the map beside the truth.
// World frame: metres, z up; the car's body frame x forward, y left, z up; camera optical frames z forward, x right, y down.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Numerics;
using Occupancy;
using Occupancy.Imaging;
using Occupancy.Stereo;
using Occupancy.Simulation;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string outputDir = args.Length > 0 ? args[0] : "surround-vision";
Directory.CreateDirectory(outputDir);

// 1. The world, the car and its cameras.
Scene street = StreetScene.CreateScene();
CameraRig rig = StreetScene.SurroundRig();
PinholeIntrinsics k = StreetScene.CameraIntrinsics;
var stereo = new StereoCamera(k, StreetScene.StereoBaseline);
Pose3 car = StreetScene.EgoPose;
Console.WriteLine($"Occupancy SurroundVision: a car at ({car.Position.X}, {car.Position.Y}) on the {StreetScene.Region.Size.X} m street, {street.Primitives.Count} primitives");
Console.WriteLine($"  cameras           {rig.Cameras.Count} stereo pairs, {k.Width}x{k.Height}, fx {k.Fx}, baseline {stereo.Baseline} m");

// 2. Each pair: render both images, match them, turn disparity into depth (invalid pixels: no return).
var matcher = new SemiGlobalMatcher(new SgmOptions());
byte[] leftGray = new byte[k.PixelCount], rightGray = new byte[k.PixelCount], frontRgb = new byte[3 * k.PixelCount];
float[] disparity = new float[k.PixelCount], truthDepth = new float[k.PixelCount], truthDisparity = new float[k.PixelCount];
var labels = new SemanticClass[k.PixelCount];
var depths = new List<ReadOnlyMemory<float>>();
var labelImages = new List<SemanticClass[]>();
double firstMatchMs = 0, laterMatchMs = 0;
for (int c = 0; c < rig.Cameras.Count; c++)
{
    Pose3 pose = rig.CameraPose(c, car);
    ColorRenderer.RenderGray(street, k, pose, leftGray);
    ColorRenderer.RenderGray(street, k, stereo.RightCameraPose(pose), rightGray);
    long start = Stopwatch.GetTimestamp();
    matcher.Compute(leftGray, rightGray, k.Width, k.Height, disparity);
    double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    if (c == 0)
    {
        firstMatchMs = ms; // includes JIT and allocating the matcher's buffers (about 5 bytes per pixel and disparity)
    }
    else
    {
        laterMatchMs += ms;
    }
    var depth = new float[k.PixelCount];
    stereo.DisparityToDepth(disparity, depth);
    depths.Add(depth);

    // Truth for scoring only: the rendered depth and classes of the left camera.
    DepthRenderer.RenderWithLabels(street, k, pose, truthDepth, labels, 200);
    labelImages.Add((SemanticClass[])labels.Clone());
    stereo.DepthToDisparity(truthDepth, truthDisparity);
    DisparityMetrics m = DisparityMetrics.Compare(disparity, truthDisparity);
    Console.WriteLine($"  {rig.Cameras[c].Name,-6} stereo     density {m.Density:P1}, within 1 px {1 - m.BadOver1:P1}, EPE {m.EndPointError:F2} px, >3 px {m.BadOver3:P1}");
    if (c == 0)
    {
        ColorRenderer.Render(street, k, pose, frontRgb);
        PngImages.SaveColor(Path.Combine(outputDir, "front-camera.png"), k.Width, k.Height, frontRgb);
        PngImages.SaveColor(Path.Combine(outputDir, "front-stereo-depth.png"), k.Width, k.Height, ColorizeDepth(depth, StreetScene.MaxRange));
    }
}

Console.WriteLine($"  matching          {laterMatchMs / (rig.Cameras.Count - 1):F0} ms per pair after the first ({firstMatchMs:F0} ms: JIT and buffers); SGM, {matcher.Options.Paths} paths, {matcher.Options.MaxDisparity} disparities, kernel {Kernels.Describe()}");

// 3. One map from the four depth images, and the semantic layer beside it.
var map = new OccupancyMap(StreetScene.Resolution);
var integrator = new DepthImageIntegrator(map, StreetScene.MaxRange);
long t0 = Stopwatch.GetTimestamp();
IntegrationStats stats = integrator.Integrate(rig, car, depths);
double integrateMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
var semantics = new SemanticLayer(map);
for (int c = 0; c < rig.Cameras.Count; c++)
{
    semantics.Integrate(depths[c].Span, labelImages[c], k, rig.CameraPose(c, car), StreetScene.MaxRange);
}

VoxelCounts counts = map.CountVoxels();
Console.WriteLine($"  map               {counts.Known:N0} known = {counts.Free:N0} free + {counts.Occupied:N0} occupied ({map.Resolution} m voxels), {stats.NoReturn:N0} pixels without depth, integrated in {integrateMs:F1} ms");

// 4. Accuracy against the truth within 20 m (along the road) of the car.
GroundTruth truth = GroundTruth.Voxelize(street, StreetScene.EgoRegion, StreetScene.Resolution);
OccupancyMetrics occupancy = OccupancyMetrics.Compare(map, truth);
SemanticMetrics semantic = SemanticMetrics.Compare(map, semantics, truth);
var origins = new List<Vector3>();
var directions = new List<Vector3>();
for (int c = 0; c < rig.Cameras.Count; c++)
{
    Pose3 pose = rig.CameraPose(c, car);
    for (int v = 4; v < k.Height; v += 8)
    {
        for (int u = 4; u < k.Width; u += 8)
        {
            origins.Add(pose.Position);
            directions.Add(pose.Rotate(k.RayThrough(u, v)));
        }
    }
}

double rayIoU = RayIoU.Compute(map, street, origins.ToArray(), directions.ToArray(), StreetScene.MaxRange, [1f, 2f, 4f]);
Console.WriteLine($"  occupied IoU      {occupancy.IoU:F3} (precision {occupancy.Precision:F3}, recall {occupancy.Recall:F3}) over {occupancy.Evaluated:N0} observed voxels");
var perClass = new List<string>();
foreach (SemanticClass c in Enum.GetValues<SemanticClass>())
{
    double iou = semantic.IoU(c);
    if (!double.IsNaN(iou) && c != SemanticClass.Unlabelled)
    {
        perClass.Add($"{c.ToString().ToLowerInvariant()} {iou:F3}");
    }
}

Console.WriteLine($"  semantic mIoU     {semantic.MeanIoU:F3} ({string.Join(", ", perClass)}); {semantic.UnlabelledOccupied:N0} occupied voxels without a label nearby");
Console.WriteLine($"  RayIoU            {rayIoU:F3} ({origins.Count:N0} rays through the cameras' pixels, thresholds 1, 2, 4 m)");

// 5. Bird's-eye view: the map (left) beside the truth (right), obstacles from 0.4 m to 2.5 m above the road.
var region = new Aabb(new Vector3(20, -11, 0.4f), new Vector3(60, 11, 2.5f));
var truthMap = new OccupancyMap(StreetScene.Resolution);
for (int z = 0; z < truth.SizeZ; z++)
{
    for (int y = 0; y < truth.SizeY; y++)
    {
        for (int x = 0; x < truth.SizeX; x++)
        {
            var key = new VoxelKey(truth.Origin.X + x, truth.Origin.Y + y, truth.Origin.Z + z);
            truthMap.UpdateVoxel(key, truth.IsOccupied(key));
        }
    }
}

TopDownView mine = TopDownView.Render(map, region), real = TopDownView.Render(truthMap, region);
int gap = 4, width = mine.Width + gap + real.Width;
var both = new byte[3 * width * mine.Height];
for (int row = 0; row < mine.Height; row++)
{
    mine.Rgb.Span.Slice(3 * row * mine.Width, 3 * mine.Width).CopyTo(both.AsSpan(3 * row * width));
    real.Rgb.Span.Slice(3 * row * real.Width, 3 * real.Width).CopyTo(both.AsSpan((3 * row * width) + (3 * (mine.Width + gap))));
}

string birdsEye = Path.Combine(outputDir, "birds-eye-map-vs-truth.png");
PngImages.SaveColor(birdsEye, width, mine.Height, both, scale: 3);

Console.WriteLine($"  pictures          {Path.GetFullPath(outputDir)}: front-camera.png, front-stereo-depth.png, birds-eye-map-vs-truth.png");

// Near is warm, far is cool, no return is black.
static byte[] ColorizeDepth(float[] depth, float maxDepth)
{
    var rgb = new byte[3 * depth.Length];
    for (int i = 0; i < depth.Length; i++)
    {
        float d = depth[i];
        if (!(d > 0) || !float.IsFinite(d))
        {
            continue;
        }

        float t = Math.Clamp(d / maxDepth, 0f, 1f);
        rgb[3 * i] = (byte)(255 * Math.Clamp(1.5f - (2 * t), 0f, 1f));
        rgb[(3 * i) + 1] = (byte)(255 * Math.Clamp(1 - (2 * MathF.Abs(t - 0.5f)), 0f, 1f));
        rgb[(3 * i) + 2] = (byte)(255 * Math.Clamp((2 * t) - 0.5f, 0f, 1f));
    }

    return rgb;
}
