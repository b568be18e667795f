namespace CertConnector.Actors.Common;

public enum KeyAlgorithm { Rsa, Ecdsa }

/// <summary>
/// The key pair a request asks for. Written and parsed as <c>rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384</c>,
/// the same form the CLI, the admin API and the journal use.
/// </summary>
public sealed record KeySpec(KeyAlgorithm Algorithm, int Size)
{
    public static readonly KeySpec Rsa2048 = new(KeyAlgorithm.Rsa, 2048);

    public static IReadOnlyList<string> Supported { get; } = ["rsa:2048", "rsa:3072", "rsa:4096", "ec:p256", "ec:p384"];

    /// <summary>The named curve for EC keys ("P-256"/"P-384"), null for RSA.</summary>
    public string? Curve => Algorithm == KeyAlgorithm.Ecdsa ? $"P-{Size}" : null;

    public static bool TryParse(string? text, out KeySpec spec)
    {
        spec = Rsa2048;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "rsa:2048": spec = new(KeyAlgorithm.Rsa, 2048); return true;
            case "rsa:3072": spec = new(KeyAlgorithm.Rsa, 3072); return true;
            case "rsa:4096": spec = new(KeyAlgorithm.Rsa, 4096); return true;
            case "ec:p256": spec = new(KeyAlgorithm.Ecdsa, 256); return true;
            case "ec:p384": spec = new(KeyAlgorithm.Ecdsa, 384); return true;
            default: return false;
        }
    }

    public static KeySpec Parse(string text) => TryParse(text, out var spec)
        ? spec
        : throw new FormatException($"Unsupported key spec '{text}'. Supported: {string.Join(", ", Supported)}.");

    public override string ToString() => Algorithm == KeyAlgorithm.Rsa ? $"rsa:{Size}" : $"ec:p{Size}";
}
