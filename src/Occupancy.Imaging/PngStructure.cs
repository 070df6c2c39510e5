using System;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;

namespace Occupancy.Imaging;

/// <summary>
/// What a PNG file declares, read from its chunks before any decoding: the IHDR fields and the bytes of compressed
/// image data. The chunk walk refuses a file that is not a PNG, whose first chunk is not IHDR, whose chunks run past
/// its end, or that does not end with IEND (a file cut after a complete data chunk decodes silently otherwise).
/// </summary>
internal readonly record struct PngStructure(int Width, int Height, int BitDepth, int ColorType, long DataBytes)
{
    /// <summary>The most deflate can compress: 1032 bytes out for one byte in (258-byte matches in 2-bit codes).</summary>
    private const long DeflateMaxRatio = 1032;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngStructure Read(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < Signature.Length || !file[..Signature.Length].SequenceEqual(Signature))
        {
            throw new InvalidDataException($"{path} is not a PNG file (only PNG is accepted).");
        }

        int at = Signature.Length;
        int width = 0, height = 0, bitDepth = 0, colorType = 0;
        long data = 0;
        bool header = false;
        while (true)
        {
            if (file.Length - at < 12)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} is truncated at byte {at}: it ends before its IEND chunk."));
            }

            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[at..]);
            ReadOnlySpan<byte> type = file.Slice(at + 4, 4);
            if (length > (uint)(file.Length - at - 12))
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: the chunk at byte {at} declares {length} bytes, more than the file holds (truncated or corrupt; no IEND chunk)."));
            }

            ReadOnlySpan<byte> body = file.Slice(at + 8, (int)length);
            if (!header)
            {
                if (!type.SequenceEqual("IHDR"u8) || length != 13)
                {
                    throw new InvalidDataException($"{path}: the first chunk is not a 13-byte IHDR.");
                }

                width = BinaryPrimitives.ReadInt32BigEndian(body);
                height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                (bitDepth, colorType) = (body[8], body[9]);
                if (width <= 0 || height <= 0)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} declares {width}x{height} pixels."));
                }

                header = true;
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                data += length;
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                return new PngStructure(width, height, bitDepth, colorType, data);
            }

            at += 12 + (int)length;
        }
    }

    /// <summary>Throws unless the compressed data could, at deflate's best, hold the declared rows of pixels.</summary>
    public void CheckDataCanHoldPixels(string path)
    {
        int channels = ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || BitDepth is not (1 or 2 or 4 or 8 or 16))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} has colour type {ColorType} at {BitDepth} bits, which PNG does not define."));
        }

        // Each row: a filter byte and its samples (interlaced images have at least as many bytes).
        long rowBytes = 1 + (((long)Width * channels * BitDepth) + 7) / 8;
        long raw = rowBytes * Height;
        if (DataBytes * DeflateMaxRatio < raw)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: {DataBytes} bytes of compressed data cannot hold {Width}x{Height} pixels ({raw} bytes uncompressed; deflate compresses at most {DeflateMaxRatio}:1)."));
        }
    }
}
