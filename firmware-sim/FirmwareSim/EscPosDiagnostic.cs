namespace FirmwareSim;

/// <summary>An unknown or malformed ESC/POS command the printer skipped.</summary>
/// <param name="Connection">The link the bytes came on (pty path or TCP peer).</param>
/// <param name="Offset">Offset of the command in that connection's byte stream.</param>
/// <param name="Message">What was wrong and what was skipped.</param>
public sealed record EscPosDiagnostic(string Connection, long Offset, string Message);
