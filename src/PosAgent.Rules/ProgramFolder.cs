namespace PosAgent.Rules;

/// <summary>
/// Reads the *.json files of a programs folder without ever blocking or reading without bound:
/// a FIFO, socket or device there would hang a plain read (start-up waits for a writer that never
/// comes), and a dangling symbolic link would throw. Each such entry comes back with the reason it
/// was skipped, so the caller can warn and go on with the other files.
/// </summary>
public static class ProgramFolder
{
    /// <summary>Program files are a few KiB; anything larger is a mistake, not a program.</summary>
    public const long MaxFileBytes = 1024 * 1024;

    /// <summary>The folder's *.json entries in ordinal order, each read or with its reason for being skipped.</summary>
    public static IReadOnlyList<ProgramFolderEntry> Read(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var entries = new List<ProgramFolderEntry>();
        foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*.json").Order(StringComparer.Ordinal))
        {
            entries.Add(ReadOne(path));
        }

        return entries;
    }

    private static ProgramFolderEntry ReadOne(string path)
    {
        try
        {
            FileSystemInfo target = new FileInfo(path);
            if (target.LinkTarget is { } link)
            {
                var resolved = target.ResolveLinkTarget(returnFinalTarget: true);
                if (resolved is null || !resolved.Exists)
                {
                    return ProgramFolderEntry.Skipped(path, $"dangling symbolic link to '{link}'");
                }

                target = resolved;
            }

            if (target is DirectoryInfo || Directory.Exists(target.FullName))
            {
                return ProgramFolderEntry.Skipped(path, "is a folder, not a file");
            }

            // stat reports size 0 for FIFOs, sockets and devices; opening a FIFO would block, so
            // the size is read before anything is opened. An empty regular file is no program either.
            var length = ((FileInfo)target).Length;
            if (length == 0)
            {
                return ProgramFolderEntry.Skipped(path, "is empty or not a regular file (FIFO, socket or device)");
            }

            if (length > MaxFileBytes)
            {
                return ProgramFolderEntry.Skipped(path, $"is {length} bytes; a program file may have at most {MaxFileBytes}");
            }

            return ProgramFolderEntry.Read(path, File.ReadAllText(target.FullName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ProgramFolderEntry.Skipped(path, $"cannot be read: {ex.Message}");
        }
    }
}

/// <summary>One *.json entry of a programs folder: its text, or why it was not read.</summary>
public sealed record ProgramFolderEntry(string Path, string? Json, string? SkipReason)
{
    internal static ProgramFolderEntry Read(string path, string json) => new(path, json, null);

    internal static ProgramFolderEntry Skipped(string path, string reason) => new(path, null, reason);
}
