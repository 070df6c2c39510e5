using System;
using System.Globalization;

namespace Occupancy.Stereo;

/// <summary>
/// Settings of a <see cref="SemiGlobalMatcher"/>. Each property checks its own range when set; the relation between
/// <see cref="P1"/> and <see cref="P2"/> is checked by the matcher's constructor. Costs are census Hamming distances
/// (0 to 62 bits of a 9 × 7 window); disparities and tolerances are in pixels.
/// </summary>
/// <remarks>Threads: immutable, so safe to share between threads.</remarks>
public sealed record SgmOptions
{
    /// <summary>Largest supported <see cref="P2"/>: keeps the sum of eight path costs inside 16 bits.</summary>
    public const int MaxPenalty = 4000;

    /// <summary>Largest supported <see cref="MaxDisparity"/>.</summary>
    public const int MaxSupportedDisparity = 1024;

    private readonly int _maxDisparity = 128;
    private readonly int _p1 = 10;
    private readonly int _p2 = 120;
    private readonly int _paths = 8;
    private readonly float _uniquenessRatio = 0.05f;
    private readonly float _leftRightTolerance = 1f;

    /// <summary>
    /// D: disparities 0 to D − 1 are searched. A positive multiple of 16, at most <see cref="MaxSupportedDisparity"/>,
    /// and less than the image width. Default 128.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a positive multiple of 16, or too large.</exception>
    public int MaxDisparity
    {
        get => _maxDisparity;
        init
        {
            if (value <= 0 || value % 16 != 0 || value > MaxSupportedDisparity)
            {
                ThrowHelper.ArgumentOutOfRange(nameof(MaxDisparity), value, string.Create(CultureInfo.InvariantCulture, $"MaxDisparity must be a positive multiple of 16 no larger than {MaxSupportedDisparity}, but was {value}."));
            }

            _maxDisparity = value;
        }
    }

    /// <summary>Penalty (cost units) for a disparity change of one pixel between path neighbours. Positive, less than <see cref="P2"/>. Default 10.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or above <see cref="MaxPenalty"/>.</exception>
    public int P1
    {
        get => _p1;
        init
        {
            CheckPenalty(value, nameof(P1));
            _p1 = value;
        }
    }

    /// <summary>Penalty (cost units) for a disparity change of more than one pixel. Greater than <see cref="P1"/>, at most <see cref="MaxPenalty"/>. Default 120.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive, or above <see cref="MaxPenalty"/>.</exception>
    public int P2
    {
        get => _p2;
        init
        {
            CheckPenalty(value, nameof(P2));
            _p2 = value;
        }
    }

    /// <summary>
    /// Aggregation paths: 8 (horizontal, vertical and both diagonals, each way) or 4 (horizontal and vertical only;
    /// faster, streakier). Default 8.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Neither 4 nor 8.</exception>
    public int Paths
    {
        get => _paths;
        init
        {
            if (value is not (4 or 8))
            {
                ThrowHelper.ArgumentOutOfRange(nameof(Paths), value, string.Create(CultureInfo.InvariantCulture, $"Paths must be 4 or 8, but was {value}."));
            }

            _paths = value;
        }
    }

    /// <summary>
    /// Uniqueness margin r in [0, 1): a pixel is rejected when S₂·(1 − r) ≤ S₁, where S₁ is its lowest aggregated cost
    /// and S₂ the lowest at a disparity more than one pixel from the winner; that is, the winner must be more than r
    /// (as a share of S₂) cheaper than any rival. With 0 only exact ties are rejected. Default 0.05.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1) or NaN.</exception>
    public float UniquenessRatio
    {
        get => _uniquenessRatio;
        init
        {
            if (!(value >= 0f && value < 1f))
            {
                ThrowHelper.ArgumentOutOfRange(nameof(UniquenessRatio), value, string.Create(CultureInfo.InvariantCulture, $"UniquenessRatio must be in [0, 1), but was {value}."));
            }

            _uniquenessRatio = value;
        }
    }

    /// <summary>
    /// Left-right consistency tolerance, pixels: a left pixel u with (sub-pixel) disparity d is rejected when the right
    /// view's integer disparity at column u − round(d) differs from d by more than this. Positive infinity turns the
    /// check off. Default 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or NaN.</exception>
    public float LeftRightTolerance
    {
        get => _leftRightTolerance;
        init
        {
            if (!(value >= 0f))
            {
                ThrowHelper.ArgumentOutOfRange(nameof(LeftRightTolerance), value, string.Create(CultureInfo.InvariantCulture, $"LeftRightTolerance must be zero or more (infinity disables the check), but was {value}."));
            }

            _leftRightTolerance = value;
        }
    }

    /// <summary>
    /// Whether the winning disparity is refined to a fraction of a pixel by an equiangular fit: two lines of opposite slopes
    /// through its cost and its two neighbours', which suits census costs better than a parabola (less pull toward whole
    /// pixels). Default true.
    /// </summary>
    public bool Subpixel { get; init; } = true;

    /// <summary>Whether a 3 × 3 median filter (over the valid neighbours only) is applied to the disparity image at the end. Default true.</summary>
    public bool MedianFilter { get; init; } = true;

    /// <summary>Throws when <see cref="P1"/> is not less than <see cref="P2"/>.</summary>
    internal void Validate(string paramName)
    {
        if (P1 >= P2)
        {
            ThrowHelper.Argument(paramName, string.Create(CultureInfo.InvariantCulture, $"{paramName}.P1 ({P1}) must be less than {paramName}.P2 ({P2})."));
        }
    }

    private static void CheckPenalty(int value, string name)
    {
        if (value <= 0 || value > MaxPenalty)
        {
            ThrowHelper.ArgumentOutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be between 1 and {MaxPenalty}, but was {value}."));
        }
    }
}
