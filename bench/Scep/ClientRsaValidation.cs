namespace CertConnector.Bench.Scep;

/// <summary>
/// BouncyCastle (C#) runs Miller-Rabin rounds on every RSA modulus it turns into a key (parsing a certificate's
/// public key costs ~17 ms at 2048 bits and ~60 ms at 3072 bits on a loaded 2-core machine). In the load generator
/// that is client CPU taken from the server under test on the same machine, so by default it is switched off for this
/// process only (<c>Org.BouncyCastle.Rsa.MaxMRTests=0</c>); CertRep signatures are still verified. Servers started
/// by the benchmark get the environment as it was before, so they run as shipped.
/// </summary>
public static class ClientRsaValidation
{
    public const string Variable = "Org.BouncyCastle.Rsa.MaxMRTests";
    private static string? _before;
    private static bool _overridden;

    public static void Disable()
    {
        _before = Environment.GetEnvironmentVariable(Variable);
        Environment.SetEnvironmentVariable(Variable, "0");
        _overridden = true;
    }

    /// <summary>Gives a child process the variable as it was before <see cref="Disable"/>.</summary>
    public static void RestoreFor(System.Diagnostics.ProcessStartInfo info)
    {
        if (!_overridden) return;
        if (_before is null) info.Environment.Remove(Variable);
        else info.Environment[Variable] = _before;
    }

    public static string Describe() => _overridden
        ? $"client: BouncyCastle RSA modulus primality checks off in the load generator only ({Variable}=0; servers {(_before is null ? "unset" : $"={_before}")})"
        : $"client: BouncyCastle RSA modulus primality checks as configured ({Variable}={Environment.GetEnvironmentVariable(Variable) ?? "unset"})";
}
