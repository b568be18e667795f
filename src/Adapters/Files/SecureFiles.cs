namespace CertConnector.Adapters.Files;

/// <summary>Files that hold key material: readable by the owner only (0600) on Unix, from the moment they exist.</summary>
public static class SecureFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/>, failing if it exists (so two processes never both generate one).</summary>
    public static void WriteNew(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }
        // UnixCreateMode is filtered by the umask; set the mode explicitly as well.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, OwnerOnly);
    }

    /// <summary>Writes (or replaces) a secret file atomically: a 0600 temporary file renamed over the target.</summary>
    public static void WriteSecret(string path, string text)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        WriteNew(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Public material (certificates): ordinary permissions, replaced atomically.</summary>
    public static void WritePublic(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
