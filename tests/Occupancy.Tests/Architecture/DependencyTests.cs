using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Occupancy.Imaging;
using Occupancy.Navigation;
using Occupancy.Simulation;
using Xunit;

namespace Occupancy.Tests.Architecture;

/// <summary>
/// Dependencies run one way: between packages (the core uses none of the others; each of the others uses the core and
/// no sibling) and between the core's folders (Map uses only Geometry and Internal; Integration, Files and Time sit on the map,
/// side by side; Fleet uses the file format's brick encoding; nothing in the core uses Integration but the kernel report at its root).
/// </summary>
public class DependencyTests
{
    /// <summary>Which folders of src/Occupancy each folder may use ("" is the folder itself, at the root: the public kernel report).</summary>
    private static readonly Dictionary<string, string[]> AllowedInCore = new()
    {
        ["Internal"] = [],
        ["Geometry"] = ["Internal"],
        ["Map"] = ["Geometry", "Internal"],
        ["Sensors"] = ["Geometry", "Internal"],
        ["Integration"] = ["Map", "Sensors", "Geometry", "Internal"],
        ["Files"] = ["Map", "Geometry", "Internal"],
        ["Time"] = ["Map", "Geometry", "Internal"],
        ["Fleet"] = ["Files", "Map", "Geometry", "Internal"],
        [""] = ["Integration", "Map", "Sensors", "Geometry", "Internal"],
    };

    [Fact]
    public void Packages_depend_on_the_core_and_the_core_on_none_of_them()
    {
        Assert.Empty(OccupancyReferences(typeof(OccupancyMap).Assembly));
        Assert.DoesNotContain(typeof(OccupancyMap).Assembly.GetReferencedAssemblies(), a => a.Name is "SixLabors.ImageSharp" or "System.Numerics.Tensors");
        Assert.Equal(["Occupancy"], OccupancyReferences(typeof(Costmap2D).Assembly));
        Assert.Equal(["Occupancy"], OccupancyReferences(typeof(StandardRoom).Assembly));
        Assert.Equal(["Occupancy"], OccupancyReferences(typeof(PngImages).Assembly));

        // The tool sits on top: the core for maps and files, Imaging for pictures, nothing else.
        Assert.Equal(["Occupancy", "Occupancy.Imaging"], OccupancyReferences(typeof(Occupancy.Cli.Program).Assembly).Order());
    }

    [Fact]
    public void The_core_has_no_simulation_metric_or_picture_types()
    {
        string[] names = typeof(OccupancyMap).Assembly.GetTypes().Select(t => t.Name).ToArray();
        foreach (string forbidden in new[] { "Scene", "StandardRoom", "StreetScene", "DepthRenderer", "ColorRenderer", "GroundTruth", "OccupancyMetrics", "RayIoU", "SemanticMetrics", "DisparityMetrics", "SpinningLidar", "DepthNoiseModel", "TopDownView", "MapPicture", "BitmapFont", "Costmap2D" })
        {
            Assert.DoesNotContain(forbidden, names);
        }
    }

    [Fact]
    public void Folders_of_the_core_use_only_the_folders_below_them()
    {
        Dictionary<(string From, string To), string> edges = FolderEdges(Path.Combine(TestData.RepositoryRoot(), "src", "Occupancy"));
        var wrong = edges.Where(e => !AllowedInCore.TryGetValue(e.Key.From, out string[]? allowed) || !allowed.Contains(e.Key.To)).ToList();
        Assert.True(wrong.Count == 0, "wrong-way references: " + string.Join("; ", wrong.Select(e => $"{e.Key.From} -> {e.Key.To} ({e.Value})")));
        Assert.Contains(("Integration", "Map"), edges.Keys); // the analysis sees references at all
    }

    private static string[] OccupancyReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Occupancy", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Every reference from a type in one folder to a type declared in another (code and documentation comments),
    /// with an example of where it is, from a semantic model of the core's sources.
    /// </summary>
    private static Dictionary<(string From, string To), string> FolderEdges(string core)
    {
        string[] files = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        var parse = new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.Parse);
        SyntaxTree[] trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, f)).ToArray();
        IEnumerable<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Core", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).Take(5));

        var edges = new Dictionary<(string, string), string>();
        foreach (SyntaxTree tree in trees)
        {
            string from = FolderOf(core, tree.FilePath);
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (SimpleNameSyntax name in tree.GetRoot().DescendantNodes(descendIntoTrivia: true).OfType<SimpleNameSyntax>())
            {
                ISymbol? symbol = model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault();
                INamedTypeSymbol? type = symbol as INamedTypeSymbol ?? symbol?.ContainingType;
                if (type is null)
                {
                    continue;
                }

                foreach (SyntaxReference declaration in type.OriginalDefinition.DeclaringSyntaxReferences)
                {
                    string to = FolderOf(core, declaration.SyntaxTree.FilePath);
                    if (to != from)
                    {
                        edges.TryAdd((from, to), $"{Path.GetFileName(tree.FilePath)}:{name.GetLocation().GetLineSpan().StartLinePosition.Line + 1} uses {type.Name}");
                    }
                }
            }
        }

        return edges;
    }

    /// <summary>The top folder of a source file under the core ("" for a file at its root).</summary>
    private static string FolderOf(string core, string file)
    {
        string relative = Path.GetRelativePath(core, file);
        int slash = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return slash < 0 ? string.Empty : relative[..slash];
    }
}
