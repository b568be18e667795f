using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Host.Scep;

/// <summary>What <c>POST /api/v1/scep/challenges</c> takes; <see cref="Ttl"/> like "60m", "2h", "90s" or "01:00:00"; <see cref="Ca"/> the CA the
/// enrollment goes to (default: <c>Connector:Cas:Default</c>).</summary>
public sealed record NewScepChallenge(string? Subject, IReadOnlyList<string>? Sans, string? Ttl, string? Ca = null);

/// <summary>What <c>POST /api/v1/scep/challenges</c> answers: the challenge, shown this once, and what it is bound to.</summary>
public sealed record ScepChallengeMinted(string Challenge, DateTimeOffset ExpiresAt, string Subject, IReadOnlyList<string> Sans, string? Ca = null);

/// <summary>One entry of <c>GET /api/v1/scep/notifications</c>: what the standalone service was told about a transaction.</summary>
public sealed record ScepNotificationSummary(
    string TransactionId,
    bool Succeeded,
    string? SerialNumber,
    string? Thumbprint,
    string? ErrorDescription,
    DateTimeOffset ReceivedAt,
    int NotifyCount)
{
    public static ScepNotificationSummary Of(ScepNotificationRecord record) => new(
        record.Notification.TransactionId,
        record.Notification.Succeeded,
        record.Notification.CertificateSerialNumber,
        record.Notification.CertificateThumbprint,
        record.Notification.ErrorDescription,
        record.ReceivedAt,
        record.NotifyCount);
}
