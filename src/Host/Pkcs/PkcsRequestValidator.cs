using System.Text.RegularExpressions;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Pkcs;

/// <summary>What <c>POST /api/v1/pkcs/requests</c> takes. <see cref="DeviceCertificate"/> is PEM or base64 DER; <see cref="Ca"/> names the CA
/// that issues it (default: <c>Connector:Cas:Default</c>).</summary>
public sealed record NewPkcsRequest(
    string? Subject,
    IReadOnlyList<string>? Sans,
    string? DeviceCertificate,
    string? Key,
    string? Template,
    string? Sid,
    int? ValidityDays,
    string? RequestId,
    string? CertificateType,
    string? Ca = null);

/// <summary>
/// Checks a new request completely before anything is stored, so a bad request is a 400 with the field
/// at fault and never a half-created request that fails later.
/// </summary>
public sealed partial class PkcsRequestValidator(CertificateAuthorities cas, IPkcsCredentialFactory credentials, TimeProvider time, ConnectorOptions options)
{
    public const string DefaultTemplate = "client-auth";

    public (PkcsRequest? Request, ApiError? Error) Validate(NewPkcsRequest input)
    {
        if (SubjectFields.Check(input.Subject, input.Sans, options.Admin, out var sans) is { } fieldError)
            return (null, fieldError);

        if (!KeySpec.TryParse(input.Key ?? "rsa:2048", out var keySpec))
            return Fail($"Unsupported key spec '{input.Key}'. Supported: {string.Join(", ", KeySpec.Supported)}.", "key");

        // The CA first: the templates are the chosen CA's.
        if (cas.Find(input.Ca) is not { } routed)
            return Fail($"Unknown CA '{input.Ca}'. Configured: {string.Join(", ", cas.All.Select(c => c.Name))}.", "ca");
        var ca = routed.Authority;

        var template = string.IsNullOrWhiteSpace(input.Template) ? DefaultTemplate : input.Template.Trim();
        if (!ca.TemplateNames.Contains(template, StringComparer.OrdinalIgnoreCase))
            return Fail($"Unknown template '{template}'. Known: {string.Join(", ", ca.TemplateNames)}.", "template");
        template = ca.TemplateNames.First(t => t.Equals(template, StringComparison.OrdinalIgnoreCase));

        if (input.Sid is { Length: > 0 } sid && !SidPattern().IsMatch(sid))
            return Fail($"Invalid SID '{sid}': expected the S-1-5-21-… form.", "sid");

        if (input.ValidityDays is <= 0 or > 3650)
            return Fail("validityDays must be between 1 and 3650.", "validityDays");

        if (input.RequestId is { } id && !RequestIdRule.IsValid(id))
            return Fail(RequestIdRule.Description, "requestId");

        if (Pem.TryDecodeCertificate(input.DeviceCertificate) is not { } deviceCert)
            return Fail("deviceCertificate must be a PEM certificate or base64 DER.", "deviceCertificate");
        try
        {
            credentials.ValidateDeviceCertificate(deviceCert, time.GetUtcNow());
        }
        catch (ConnectorFailureException e)
        {
            return Fail($"Unusable device certificate: {e.Message}", "deviceCertificate");
        }

        var type = input.CertificateType?.ToLowerInvariant() ?? "device";
        if (type is not ("device" or "user")) return Fail("certificateType must be 'user' or 'device'.", "certificateType");

        return (new PkcsRequest(input.RequestId ?? Guid.NewGuid().ToString(), input.Subject!.Trim(), sans, template, keySpec,
            deviceCert, type, input.Sid is { Length: > 0 } ? input.Sid : null, input.ValidityDays, routed.Name), null);
    }

    private static (PkcsRequest?, ApiError?) Fail(string message, string field) => (null, new ApiError(message, field));

    [GeneratedRegex(@"^S-1-\d{1,2}(-\d{1,10}){1,14}$")]
    private static partial Regex SidPattern();
}
