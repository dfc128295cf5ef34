namespace PosAgent.Devices.Scanning;

/// <summary>Check digit algorithms for barcodes and card numbers.</summary>
public static class CheckDigits
{
    /// <summary>
    /// EAN/UPC (GS1 mod 10): weights 3,1,3,... from the rightmost data digit; check = (10 - sum mod 10) mod 10.
    /// True when <paramref name="code"/> (data digits followed by the check digit) is all digits and consistent.
    /// </summary>
    public static bool IsValidGs1(ReadOnlySpan<char> code)
    {
        if (code.Length < 2 || !AllDigits(code))
        {
            return false;
        }

        return Gs1CheckDigit(code[..^1]) == code[^1] - '0';
    }

    /// <summary>The GS1 check digit for the data digits (no check digit included).</summary>
    public static int Gs1CheckDigit(ReadOnlySpan<char> data)
    {
        var sum = 0;
        for (var i = 0; i < data.Length; i++)
        {
            var digit = data[data.Length - 1 - i] - '0';
            sum += i % 2 == 0 ? digit * 3 : digit;
        }

        return (10 - (sum % 10)) % 10;
    }

    /// <summary>Luhn (ISO/IEC 7812) over all digits, the last being the check digit.</summary>
    public static bool IsValidLuhn(ReadOnlySpan<char> number)
    {
        if (number.Length < 2 || !AllDigits(number))
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < number.Length; i++)
        {
            var digit = number[number.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        return sum % 10 == 0;
    }

    /// <summary>True when every character is 0-9.</summary>
    public static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
