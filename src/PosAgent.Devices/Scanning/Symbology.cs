namespace PosAgent.Devices.Scanning;

/// <summary>Barcode symbologies a scanner reports (from its AIM identifier).</summary>
public enum Symbology
{
    /// <summary>No AIM identifier and the data does not look like an EAN/UPC code.</summary>
    Unknown = 0,

    /// <summary>EAN-13 (AIM ]E0, 13 digits).</summary>
    Ean13,

    /// <summary>UPC-A (AIM ]E0 with 12 digits, or 12 digits without an AIM id).</summary>
    UpcA,

    /// <summary>EAN-8 (AIM ]E4).</summary>
    Ean8,

    /// <summary>Code 128 (AIM ]C0).</summary>
    Code128,

    /// <summary>GS1-128 (AIM ]C1; FNC1 arrives as GS 0x1D).</summary>
    Gs1128,

    /// <summary>Code 39 (AIM ]A0..]A7).</summary>
    Code39,

    /// <summary>Interleaved 2 of 5 (AIM ]I0, ]I1, ]I3).</summary>
    Itf,

    /// <summary>QR Code (AIM ]Q0..]Q6).</summary>
    Qr,

    /// <summary>Data Matrix (AIM ]d1).</summary>
    DataMatrix,

    /// <summary>GS1 Data Matrix (AIM ]d2).</summary>
    Gs1DataMatrix,

    /// <summary>An AIM identifier this driver does not name (the data is still reported).</summary>
    Other,
}

/// <summary>What a good scan is.</summary>
public enum ScanKind
{
    /// <summary>Any code that is not a loyalty card: a product barcode, a coupon, a QR code.</summary>
    Product = 0,

    /// <summary>Matches one of the configured loyalty card formats.</summary>
    LoyaltyCard = 1,
}

/// <summary>Why bytes from a scanner were not a good scan.</summary>
public enum ScanErrorReason
{
    /// <summary>Control or non-printable bytes in a frame (line noise, wrong baud).</summary>
    Garbage = 0,

    /// <summary>Bytes outside 7-bit ASCII (wrong baud or framing, or a scanner in a national mode).</summary>
    NonAscii,

    /// <summary>Bytes with no suffix, followed by silence (a scanner reset or a cable pulled mid-frame).</summary>
    PartialFrame,

    /// <summary>More bytes than the configured maximum before a suffix.</summary>
    OverLong,

    /// <summary>The frame lacks the configured prefix.</summary>
    MissingPrefix,

    /// <summary>An EAN/UPC code whose check digit is wrong, or that is not all digits or of the wrong length.</summary>
    BadCheckDigit,

    /// <summary>An AIM identifier with nothing after it.</summary>
    Empty,
}
