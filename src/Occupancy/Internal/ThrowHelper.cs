using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;

namespace Occupancy;

/// <summary>Throws kept out of hot methods so that they stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ArgumentOutOfRange(string paramName, object? value, string message) =>
        throw new ArgumentOutOfRangeException(paramName, value, message);

    [DoesNotReturn]
    public static void Argument(string paramName, string message) =>
        throw new ArgumentException(message, paramName);

    /// <summary>Throws unless <paramref name="value"/> is finite and strictly positive.</summary>
    public static void ThrowIfNotPositiveFinite(double value, string paramName)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            ArgumentOutOfRange(paramName, value, string.Create(CultureInfo.InvariantCulture, $"{paramName} must be a finite number greater than zero, but was {value}."));
        }
    }

    /// <summary>Throws unless every component of <paramref name="value"/> is finite.</summary>
    public static void ThrowIfNotFinite(Vector3 value, string paramName)
    {
        if (!float.IsFinite(value.X) || !float.IsFinite(value.Y) || !float.IsFinite(value.Z))
        {
            Argument(paramName, string.Create(CultureInfo.InvariantCulture, $"{paramName} must be finite, but was ({value.X}, {value.Y}, {value.Z})."));
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is one of the enum's named values.</summary>
    public static void ThrowIfUndefined<TEnum>(TEnum value, string paramName)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            ArgumentOutOfRange(paramName, value, $"{paramName} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}, but was {value}.");
        }
    }

    [DoesNotReturn]
    public static void BufferSize(string paramName, int actual, int expected, string what) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{paramName} has {actual} elements but {what} needs {expected}."), paramName);
}
