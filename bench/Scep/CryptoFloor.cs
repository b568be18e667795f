using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CertConnector.Bench.Scep;

/// <summary>
/// The cryptographic floor of one enrollment, priced with <c>openssl speed</c> in the same run: the RA decrypts the
/// PKCSReq's envelope (an RSA-2048 private operation), the CA signs the certificate (a private operation at the CA's
/// size) and the RA signs the CertRep (RSA-2048 again). Everything else a server spends is overhead.
/// </summary>
public sealed class CryptoFloor
{
    private readonly IReadOnlyDictionary<int, double> _privateOpsPerSecond;

    private CryptoFloor(IReadOnlyDictionary<int, double> privateOpsPerSecond) => _privateOpsPerSecond = privateOpsPerSecond;

    public static CryptoFloor Measure(IEnumerable<int> caKeySizes)
    {
        var sizes = caKeySizes.Append(2048).Where(s => s > 0).Distinct().Order().ToList();
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "speed", "-seconds", "2" }.Concat(sizes.Select(s => $"rsa{s}"))) info.ArgumentList.Add(a);
        using var p = Process.Start(info) ?? throw new InvalidOperationException("could not start openssl");
        var stderr = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        _ = stderr.Result;
        // "rsa 2048 bits 0.000790s 0.000023s   1265.8  43478.3"
        var rates = Regex.Matches(output, @"^rsa\s+(\d+) bits\s+\S+\s+\S+\s+([\d.]+)\s+[\d.]+", RegexOptions.Multiline)
            .ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        var missing = sizes.Where(s => !rates.ContainsKey(s)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"openssl speed printed no rate for rsa{string.Join(",", missing)}:{Environment.NewLine}{output}");
        return new CryptoFloor(rates);
    }

    public double PrivateOpMs(int bits) => 1000 / _privateOpsPerSecond[bits];

    /// <summary>RA decrypt (RSA-2048) + CA sign (<paramref name="caBits"/>) + CertRep sign (RSA-2048), in ms of one core.</summary>
    public double EnrollmentMs(int caBits) => 2 * PrivateOpMs(2048) + PrivateOpMs(caBits);

    public string Describe(IEnumerable<int> caKeySizes) => string.Join("; ", _privateOpsPerSecond.Keys.Order().Select(bits =>
        string.Create(CultureInfo.InvariantCulture, $"rsa{bits} {_privateOpsPerSecond[bits]:0} private ops/s ({PrivateOpMs(bits):0.00} ms)"))) +
        " => floor per enrollment " + string.Join(", ", caKeySizes.Where(s => s > 0).Distinct().Select(bits =>
            string.Create(CultureInfo.InvariantCulture, $"{EnrollmentMs(bits):0.00} ms with an RSA-{bits} CA")));
}
