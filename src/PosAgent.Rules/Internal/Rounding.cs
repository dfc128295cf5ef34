namespace PosAgent.Rules.Internal;

internal enum RoundingMode
{
    Floor,
    Ceiling,
    HalfUp,
    HalfEven,
}

internal static class Rounding
{
    public static bool TryParse(string? text, out RoundingMode mode)
    {
        switch (text)
        {
            case "floor": mode = RoundingMode.Floor; return true;
            case "ceiling": mode = RoundingMode.Ceiling; return true;
            case "halfUp": mode = RoundingMode.HalfUp; return true;
            case "halfEven": mode = RoundingMode.HalfEven; return true;
            default: mode = RoundingMode.Floor; return false;
        }
    }

    /// <summary>numerator / denominator for non-negative numerator and positive denominator.</summary>
    public static long Divide(Int128 numerator, Int128 denominator, RoundingMode mode)
    {
        if (numerator <= 0 || denominator <= 0)
        {
            return 0;
        }

        var q = numerator / denominator;
        var r = numerator - (q * denominator);
        if (r != 0)
        {
            switch (mode)
            {
                case RoundingMode.Ceiling:
                    q++;
                    break;
                case RoundingMode.HalfUp:
                    if (r * 2 >= denominator)
                    {
                        q++;
                    }

                    break;
                case RoundingMode.HalfEven:
                    var twice = r * 2;
                    if (twice > denominator || (twice == denominator && (q & 1) == 1))
                    {
                        q++;
                    }

                    break;
                default:
                    break;
            }
        }

        return (long)q;
    }
}
