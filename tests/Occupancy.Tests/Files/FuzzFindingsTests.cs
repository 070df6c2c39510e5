using System;
using System.IO;
using Occupancy.Files;
using Xunit;

namespace Occupancy.Tests.Files;

/// <summary>
/// Inputs the readers' fuzzers (tests/fuzz/run.sh: SharpFuzz and afl++) found to throw something other than the
/// documented <see cref="InvalidDataException"/>, minimised by hand; each must now be refused with it. The stream kind
/// is the one the finding needed (the harness reads every input seekable and from a stream that cannot seek).
/// </summary>
public sealed class FuzzFindingsTests
{
    /// <summary>
    /// .graph from a stream that cannot seek: a point count above int.MaxValue reached <c>new Vector3[points]</c> and threw
    /// OverflowException (afl: out/fuzz/graph/default/crashes, first seen after 139 executions). The first input is one
    /// node of 0xFFFFFFFF points; the second a valid first node, then 0x80000000 points in the second.
    /// </summary>
    [Theory]
    [InlineData("01000000FFFFFFFF")]
    [InlineData("020000000100000003000000000000000000F03F000000000000004000000000000008400300000000000000000000000000000000000000000000000000000004000000000000000000F03F0000000000000000000000000000000000000000000000000000000000000080")]
    public void Graph_point_count_beyond_an_array_from_a_stream_that_cannot_seek_is_invalid_data(string hex)
    {
        byte[] input = Convert.FromHexString(hex);
        Assert.Throws<InvalidDataException>(() => ScanGraphFile.Read(new OccupancyFileTests.ForwardOnlyStream(input)));
    }

    /// <summary>
    /// The same cause within int range: 16,777,216 points declared in a 35-byte input made the reader allocate 192 MiB
    /// up front (up to 24 GiB for counts near int.MaxValue: OutOfMemoryException under the fuzzer's 2 GiB heap limit),
    /// where the documentation says memory grows only with the bytes read when the stream cannot tell its length.
    /// </summary>
    [Fact]
    public void Graph_from_a_stream_that_cannot_seek_allocates_with_the_bytes_read_not_the_declared_count()
    {
        byte[] input = Convert.FromHexString("0100000000000001" + "03000000" + "000000000000F03F000000000000004000000000000008"); // the first point cut short
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => ScanGraphFile.Read(new OccupancyFileTests.ForwardOnlyStream(input)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < (8 << 20), $"reading 35 bytes allocated {allocated} bytes");
    }

    /// <summary>Every input afl++ saved as a crash (tests/Occupancy.Tests/Files/FuzzFindings/READER/*), replayed from both kinds of stream.</summary>
    [Fact]
    public void Every_saved_fuzzer_finding_is_refused_with_invalid_data()
    {
        string folder = Path.Combine(TestData.RepositoryRoot(), "tests", "Occupancy.Tests", "Files", "FuzzFindings");
        int replayed = 0;
        foreach (string file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            byte[] input = File.ReadAllBytes(file);
            Func<Stream, object> read = Path.GetFileName(Path.GetDirectoryName(file)) switch
            {
                "graph" => s => ScanGraphFile.Read(s),
                var other => throw new InvalidOperationException($"no reader for findings of '{other}'"),
            };
            foreach (Stream stream in new Stream[] { new MemoryStream(input), new OccupancyFileTests.ForwardOnlyStream(input) })
            {
                try
                {
                    read(stream);
                }
                catch (InvalidDataException)
                {
                }
            }

            replayed++;
        }

        Assert.True(replayed >= 5, $"{replayed} findings replayed");
    }
}
