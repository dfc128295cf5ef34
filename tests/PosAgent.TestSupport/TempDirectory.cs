namespace PosAgent.TestSupport;

/// <summary>A fresh folder per test (each test its own database, socket and receipt files), removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string? prefix = null)
    {
        // Unix socket paths are limited to 108 bytes, so stay short and under /tmp.
        Path = Directory.CreateTempSubdirectory(prefix ?? "pa-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process under test may still hold a file; the OS cleans /tmp eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
