using System.Runtime.InteropServices;

namespace PosAgent.Storage;

/// <summary>
/// Makes names in a folder survive a power cut. On Linux a new file or folder exists on disk only
/// once the folder holding its name is fsync'ed; SQLite does that for the WAL and journal files it
/// creates, but nobody did it for the data folder the service created on first start, so a power
/// cut soon after could take the folder, and every acknowledged sale in it, away
/// (tests/…/PowerLoss found it). Linked into each service that keeps a database.
/// </summary>
internal static class DurableFolder
{
    /// <summary>Owner only: what the central's state folder is made with.</summary>
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Owner, plus traverse (no listing, no reading) for the group: the agent's data folder, so the
    /// POS group reaches the socket inside it by name while the databases stay the owner's.
    /// </summary>
    public const UnixFileMode OwnerAndGroupTraverse = OwnerOnly | UnixFileMode.GroupExecute;

    /// <summary>The mode of a new database file: read and write for the owner only (SQLite gives its WAL and shm files the same).</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner, plus list and read for the group: the agent's data folder when the operator makes the data group-readable.</summary>
    public const UnixFileMode OwnerAndGroupRead = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>A database file the group may read (backup or reporting tools in the POS group), never write.</summary>
    public const UnixFileMode GroupReadableFile = PrivateFile | UnixFileMode.GroupRead;

    /// <summary>Creates <paramref name="path"/> and any missing parents, each made durable in its parent.</summary>
    public static void Create(string path) => Create(path, OwnerOnly);

    /// <summary>
    /// Creates <paramref name="path"/> and any missing parents with <paramref name="mode"/> (folders
    /// that exist keep theirs), each made durable in its parent.
    /// </summary>
    public static void Create(string path, UnixFileMode mode)
    {
        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        for (var folder = full; !string.IsNullOrEmpty(folder) && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            missing.Push(folder);
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(full);
        }
        else
        {
            Directory.CreateDirectory(full, mode);
        }

        foreach (var created in missing)
        {
            Sync(Path.GetDirectoryName(created)!);
        }
    }

    /// <summary>
    /// Creates an empty database file readable by its owner only, unless it exists, and makes its
    /// name durable. SQLite would create it 0644 (world-readable under the usual umask); an empty
    /// file is a valid empty database, and SQLite copies its mode to the WAL and shm files.
    /// </summary>
    public static void CreatePrivateFile(string path, UnixFileMode mode = PrivateFile)
    {
        // A folder in its place is left for the opener to report, with its own message.
        if (File.Exists(path) || Directory.Exists(path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        try
        {
            using (new FileStream(path, options))
            {
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another opener created it first: theirs is the one to use.
            return;
        }

        Sync(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync(2) of the folder itself: its entries (names created, renamed or removed) reach the disk.</summary>
    public static void Sync(string folder)
    {
        // Windows (NTFS) journals its metadata itself and has no way to flush a folder.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var fd = NativeMethods.open(folder, NativeMethods.ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder '{folder}' to make its entries durable: errno {Marshal.GetLastPInvokeError()}.");
        }

        try
        {
            if (NativeMethods.fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder '{folder}' failed: errno {Marshal.GetLastPInvokeError()}.");
            }
        }
        finally
        {
            _ = NativeMethods.close(fd);
        }
    }

    private static class NativeMethods
    {
        /// <summary>O_RDONLY | O_DIRECTORY on Linux.</summary>
        public const int ReadOnlyDirectory = 0x10000;

#pragma warning disable SYSLIB1054, CA1401, IDE1006, CA2101 // Three plain libc calls; LibraryImport would need unsafe blocks in every project linking this file.
        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        public static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        public static extern int close(int fd);
#pragma warning restore SYSLIB1054, CA1401, IDE1006, CA2101
    }
}
