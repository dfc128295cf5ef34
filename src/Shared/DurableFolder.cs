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
    /// <summary>Creates <paramref name="path"/> and any missing parents, each made durable in its parent.</summary>
    public static void Create(string path)
    {
        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        for (var folder = full; !string.IsNullOrEmpty(folder) && !Directory.Exists(folder); folder = Path.GetDirectoryName(folder))
        {
            missing.Push(folder);
        }

        Directory.CreateDirectory(full);
        foreach (var created in missing)
        {
            Sync(Path.GetDirectoryName(created)!);
        }
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
