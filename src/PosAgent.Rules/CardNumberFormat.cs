namespace PosAgent.Rules;

public enum CheckDigitAlgorithm
{
    None,
    Luhn,
    Ean13,
}

/// <summary>The loyalty card number format of a program, as the scanner driver needs it.</summary>
public sealed class CardNumberFormat
{
    public CardNumberFormat(int length, IReadOnlyList<string> prefixes, CheckDigitAlgorithm checkDigit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 4);
        ArgumentNullException.ThrowIfNull(prefixes);
        Length = length;
        Prefixes = prefixes;
        CheckDigit = checkDigit;
    }

    public int Length { get; }

    public IReadOnlyList<string> Prefixes { get; }

    public CheckDigitAlgorithm CheckDigit { get; }

    public bool IsValid(string? cardNumber) => Validate(cardNumber) is null;

    /// <summary>Null when the number is valid, otherwise why it is not (without echoing the number).</summary>
    public string? Validate(string? cardNumber)
    {
        if (string.IsNullOrEmpty(cardNumber))
        {
            return "card number is empty";
        }

        if (cardNumber.Length != Length)
        {
            return $"card number has {cardNumber.Length} digits, expected {Length}";
        }

        foreach (var c in cardNumber)
        {
            if (c is < '0' or > '9')
            {
                return "card number must contain digits only";
            }
        }

        if (Prefixes.Count > 0)
        {
            var ok = false;
            foreach (var p in Prefixes)
            {
                ok |= cardNumber.StartsWith(p, StringComparison.Ordinal);
            }

            if (!ok)
            {
                return $"card number must start with one of: {string.Join(", ", Prefixes)}";
            }
        }

        return CheckDigit switch
        {
            CheckDigitAlgorithm.Luhn when !LuhnValid(cardNumber) => "card number fails the Luhn check digit",
            CheckDigitAlgorithm.Ean13 when !Ean13Valid(cardNumber) => "card number fails the EAN-13 check digit",
            _ => null,
        };
    }

    /// <summary>The check digit that completes <paramref name="body"/> (all digits but the last).</summary>
    public char ComputeCheckDigit(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return CheckDigit switch
        {
            CheckDigitAlgorithm.Luhn => LuhnDigit(body),
            CheckDigitAlgorithm.Ean13 => Ean13Digit(body),
            _ => '0',
        };
    }

    /// <summary>For receipts and logs: all but the last four digits hidden.</summary>
    public static string Mask(string? cardNumber)
    {
        if (string.IsNullOrEmpty(cardNumber))
        {
            return string.Empty;
        }

        return cardNumber.Length <= 4 ? new string('*', cardNumber.Length) : new string('*', cardNumber.Length - 4) + cardNumber[^4..];
    }

    private static bool LuhnValid(string number) => LuhnDigit(number[..^1]) == number[^1];

    private static char LuhnDigit(string body)
    {
        var sum = 0;
        var doubleIt = true;
        for (var i = body.Length - 1; i >= 0; i--)
        {
            var d = body[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }

    private static bool Ean13Valid(string number) => Ean13Digit(number[..^1]) == number[^1];

    // EAN weights alternate 1,3 from the left of a 12-digit body; counted from the right so
    // shorter EAN-style bodies (EAN-8) get the same rule.
    private static char Ean13Digit(string body)
    {
        var sum = 0;
        var weight3 = true;
        for (var i = body.Length - 1; i >= 0; i--)
        {
            var d = body[i] - '0';
            sum += weight3 ? d * 3 : d;
            weight3 = !weight3;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }
}
