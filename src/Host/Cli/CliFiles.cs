using System.Text;

namespace CertConnector.Host.Cli;

/// <summary>Reading the files a command names and writing the ones it produces, with errors that name the file.</summary>
public static class CliFiles
{
    public static async Task<byte[]> ReadAsync(FileInfo file, string what, CancellationToken ct)
    {
        if (!file.Exists) throw new CliException($"{what} file '{file.FullName}' does not exist.");
        return await File.ReadAllBytesAsync(file.FullName, ct);
    }

    /// <summary>A certificate file as the admin API takes it: PEM text as it is, DER as base64.</summary>
    public static async Task<string> CertificateAsync(FileInfo file, string what, CancellationToken ct)
    {
        var bytes = await ReadAsync(file, what, ct);
        return bytes.Length > 0 && bytes[0] == 0x30 ? Convert.ToBase64String(bytes) : Encoding.ASCII.GetString(bytes);
    }

    /// <summary>
    /// A binary file as base64: DER as it is, PEM (any label) by its body, and a file that already holds base64 text (what
    /// <c>import encrypt-password</c> prints) as that text.
    /// </summary>
    public static async Task<string> BinaryAsBase64Async(FileInfo file, string what, CancellationToken ct)
    {
        var bytes = await ReadAsync(file, what, ct);
        var text = Encoding.ASCII.GetString(bytes).Trim();
        if (text.StartsWith("-----BEGIN ", StringComparison.Ordinal))
        {
            var body = string.Concat(text.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).Select(l => l.Trim()));
            return body;
        }
        if (text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' || char.IsWhiteSpace(c)))
        {
            try
            {
                Convert.FromBase64String(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
                return string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
            }
            catch (FormatException)
            {
            }
        }
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Writes <paramref name="content"/> as <c>{id}{suffix}</c> in <paramref name="dir"/> (the ID made file-name safe) and prints the path.</summary>
    public static async Task WriteResultAsync(DirectoryInfo dir, string requestId, string suffix, byte[] content, CancellationToken ct)
    {
        dir.Create();
        var safe = string.Concat(requestId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        var path = Path.Combine(dir.FullName, safe + suffix);
        await File.WriteAllBytesAsync(path, content, ct);
        Console.WriteLine(path);
    }
}
