using CertConnector.Host.Ca;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CertConnector.Host.Admin.StatusPage;

/// <summary>
/// The status page as plain server-rendered HTML: one inline style sheet, no script, no external resource (it works offline and
/// under <see cref="ContentSecurityPolicy"/>), tables that scroll sideways on a phone. Every value goes through
/// <see cref="HtmlEncoder"/>: request IDs, subjects and failure texts come from outside.
/// </summary>
public static class StatusPageHtml
{
    /// <summary>No script at all, styles only inline, forms only to this page, never framed.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>Certificates with at most this many days left are shown amber; expired or unknown ones red.</summary>
    public const int WarnDays = 30;

    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:1rem;color:#1b1b1b;background:#fafafa;line-height:1.4}
        header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem}
        h1{font-size:1.3rem;margin:0}h1 small{font-weight:normal;color:#555}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
        .scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
        table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
        th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top;white-space:nowrap}
        td.wrap{white-space:normal;word-break:break-word;min-width:12rem}
        th{background:#f0f0f0}
        tr.bad td{background:#fde2e1;color:#8a1111}tr.warn td{background:#fff4d6}p.bad{color:#8a1111;font-weight:bold}p.warn{color:#8a5a00}
        ul.warnings li{color:#8a5a00}.muted{color:#666}
        form.inline{display:inline}button{font-size:1rem;padding:.3rem .8rem}
        input[type=password]{font-size:1rem;padding:.3rem;width:100%;max-width:28rem;box-sizing:border-box}
        .error{color:#8a1111;font-weight:bold}
        """;

    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static string H(string? text) => Html.Encode(text ?? "");

    /// <summary>The sign-in form: the only thing a visitor without a session sees.</summary>
    /// <param name="formToken">the anti-forgery value, also in the form cookie.</param>
    public static string SignIn(string formToken, string? error) => Page("certconnector: sign in", $"""
        <header><h1>certconnector</h1></header>
        <h2>Sign in</h2>
        {(error is null ? "" : $"<p class=\"error\" id=\"signin-error\">{H(error)}</p>")}
        <p>Run <code>certconnector status --open</code> on the connector's machine and open the link it prints (it works once, within a minute),
        or paste the admin token (<code>&lt;data-dir&gt;/admin.token</code>) here.</p>
        <form method="post" action="/signin" id="signin">
        <input type="hidden" name="form" value="{H(formToken)}">
        <p><label for="token">Admin token</label><br><input type="password" id="token" name="token" autocomplete="off" required></p>
        <p><button type="submit">Sign in</button></p>
        </form>
        """);

    public static string Status(StatusPageModel model, string formToken)
    {
        var s = model.Status;
        var body = new StringBuilder();
        body.Append($"""
            <header><h1>certconnector <small>{H(s.Instance)} · {H(s.Version)}</small></h1>
            <form class="inline" method="post" action="/signout"><input type="hidden" name="form" value="{H(formToken)}"><button type="submit">Sign out</button></form></header>
            <p class="muted">As of {Time(model.Now)} (UTC), from the instance {H(s.Instance)}. Reload for fresh numbers.</p>
            """);
        if (s.Lifecycle is { } lifecycle)
            body.Append($"<p id=\"lifecycle\" class=\"{LifecycleMark(lifecycle) ?? "muted"}\">Version {H(s.Version)}" +
                        $"{(s.ReleaseDate is { } released ? $", released {H(released)}" : "")}: {H(lifecycle.State.ToString())}. {H(lifecycle.Message)}</p>");
        if (s.Warnings.Count > 0)
            body.Append("<h2>Warnings</h2><ul class=\"warnings\" id=\"warnings\">").AppendJoin("", s.Warnings.Select(w => $"<li>{H(w)}</li>")).Append("</ul>");
        Instances(body, model);
        Cas(body, model);
        Features(body, model);
        Failures(body, model);
        Credentials(body, model);
        Service(body, s);
        More(body, s);
        return Page($"certconnector · {s.Instance}", body.ToString());
    }

    /// <summary>One request, as <c>GET /api/v1/requests/{id}</c> gives it, with each request actor's history.</summary>
    public static string Request(string requestId, IReadOnlyList<RequestFound> found, IReadOnlyList<string> unanswered, string formToken)
    {
        var body = new StringBuilder();
        body.Append($"""
            <header><h1>Request <small>{H(requestId)}</small></h1>
            <form class="inline" method="post" action="/signout"><input type="hidden" name="form" value="{H(formToken)}"><button type="submit">Sign out</button></form></header>
            <p><a href="/">← status</a></p>
            """);
        if (found.Count == 0)
            body.Append($"<p id=\"not-found\">No request '{H(requestId)}' is known: it is in no queue and no request actor knows it.{(unanswered.Count > 0 ? $" The {H(string.Join(", ", unanswered))} request actors did not answer in time; reload to ask again." : "")}</p>");
        foreach (var r in found)
        {
            body.Append($"<h2>{H(r.Feature)}</h2>");
            Table(body, "request-" + r.Feature, ["Field", "Value"], Rows(
                ("State", r.State), ("About", r.Summary), ("Queued", r.EnqueuedAt is { } q ? Time(q) : null), ("Error", r.ErrorCode),
                ("Found in", r.Source == "actor" ? "its request actor" : "the standalone queue"), ("Admin API", r.Details)));
            if (r.View is not { } v) continue;
            Table(body, "view-" + r.Feature, ["Field", "Value"], Rows(
                ("Attempts", v.Attempts.ToString(CultureInfo.InvariantCulture)), ("Next attempt", v.NextAttemptAt is { } n ? Time(n) : null),
                ("Error", v.ErrorCode), ("Error text", v.ErrorMessage), ("Serial", v.SerialNumber), ("Thumbprint", v.Thumbprint),
                ("Expires", v.ExpiresAt is { } e ? Time(e) : null), ("Result delivered", v.ResultDelivered ? "yes" : "no")));
            body.Append("<h2>History</h2>");
            Table(body, "history-" + r.Feature, ["When", "Event", "Detail"],
                v.History.Select(h => Row(null, Cell(Time(h.At)) + Cell(h.Event) + Wrap(h.Detail))));
        }
        return Page($"certconnector · request {requestId}", body.ToString());
    }

    private static void Instances(StringBuilder body, StatusPageModel model)
    {
        body.Append("<h2>Instances</h2>");
        // A member's fields this page does not know (e.g. its version lifecycle) get a column once any member has one.
        var extras = model.Cluster.Members.Select(m => Extra(m, KnownMemberFields)).ToList();
        var more = extras.Any(e => e.Length > 0);
        Table(body, "instances", ["Instance", "Address", "Status", "Roles", "Version", "Lifecycle", "Reachable", "Uptime", "Leader", .. more ? new[] { "More" } : []],
            model.Cluster.Members.Select((m, i) => Row(m.Reachable ? (m.Lifecycle is { } l ? LifecycleMark(l) : null) : "bad",
                Cell(m.Instance ?? "?") + Cell(m.Address + (m.IsSelf ? " (this one)" : "")) + Cell(m.Status) + Cell(m.Roles.Count == 0 ? "-" : string.Join(", ", m.Roles)) +
                Cell(m.Version) + Wrap(m.Lifecycle is { } lc ? $"{lc.State}: {lc.Message}" : "?") + Cell(m.Reachable ? "yes" : "NO") + Cell(m.Uptime is { } up ? Cli.ClusterCommands.Uptime(up) : "?") + Cell(m.IsLeader ? "leader" : "") +
                (more ? Wrap(extras[i]) : ""))));
    }

    /// <summary>Superseded is amber, out of support red, as the lifecycle's level says.</summary>
    private static string? LifecycleMark(CertConnector.Actors.Updates.Lifecycle lifecycle) => lifecycle.Level switch
    {
        "Error" => "bad",
        "Warning" => "warn",
        _ => null,
    };

    private static void Cas(StringBuilder body, StatusPageModel model)
    {
        body.Append("<h2>CAs</h2>");
        Table(body, "cas", ["CA", "Type", "Default", "Answered", "Last call", "Error"], (model.Status.Cas ?? []).Select(c =>
            Row(c.Answered == false ? "bad" : null, Cell(c.Name) + Cell(c.Type) + Cell(c.IsDefault ? "default" : "") +
                Cell(c.Answered switch { true => "yes", false => "NO", null => "not called yet" }) + Cell(c.LastCallAt is { } at ? Time(at) : "") + Wrap(c.Error),
                $" data-ca=\"{H(c.Name)}\"")));
    }

    private static void Features(StringBuilder body, StatusPageModel model)
    {
        body.Append("<h2>Features</h2><p class=\"muted\">Counts are the whole connector's (the queues are shared). Queued is the queue depth; " +
                    "redelivered counts hand-outs beyond the first (a lease ran out, an instance left), for SCEP repeated notifications.</p>");
        Table(body, "features", ["Feature", "Here", "Queued", "In progress", "Succeeded", "Failed", "Last success", "Last failure", "Redelivered"],
            model.Features.Select(f => f.Statistics is { } q
                ? Row(null, Cell(f.Feature) + Cell(f.EnabledHere ? "on" : "off") + Num(q.Queued) + Num(q.Leased) + Num(q.Completed) + Num(q.Failed) +
                            Cell(q.LastSuccessAt is { } ok ? Time(ok) : "never") + Cell(q.LastFailureAt is { } bad ? Time(bad) : "never") + Num(q.Redeliveries),
                    $" data-feature=\"{H(f.Feature)}\"")
                : Row(null, Cell(f.Feature) + Cell(f.EnabledHere ? "on" : "off") + $"<td colspan=\"7\">{H(f.Note)}</td>", $" data-feature=\"{H(f.Feature)}\"")));
    }

    private static void Failures(StringBuilder body, StatusPageModel model)
    {
        body.Append("<h2>Recent failures</h2>");
        if (model.Failures.Count == 0)
        {
            body.Append("<p id=\"failures\" class=\"muted\">None.</p>");
            return;
        }
        var events = model.Features.Where(f => f.FailureEvent is not null).ToDictionary(f => f.Feature, f => f.FailureEvent!, StringComparer.OrdinalIgnoreCase);
        Table(body, "failures", ["When", "Feature", "Event", "Request", "Error", "About"], model.Failures.Select(f =>
            Row("bad", Cell(Time(f.At)) + Cell(f.Feature) +
                Cell(events.TryGetValue(f.Feature, out var e) ? $"{e.Id:0000} {e.Name}" : "") +
                $"<td><a href=\"/requests/{H(Uri.EscapeDataString(f.RequestId))}\">{H(f.RequestId)}</a></td>" + Cell(f.ErrorCode) + Wrap(f.Text))));
    }

    private static void Credentials(StringBuilder body, StatusPageModel model)
    {
        body.Append("<h2>Certificates</h2>");
        Table(body, "credentials", ["Certificate", "Subject", "Expires", "Days left"], model.Credentials.Select(c =>
        {
            var days = c.DaysLeft(model.Now);
            var mark = days switch { null => c.Note is null ? null : "warn", < 0 => "bad", <= 7 => "bad", <= WarnDays => "warn", _ => null };
            return Row(mark, Cell(c.Credential) + Wrap(c.Subject) + Cell(c.NotAfter is { } end ? Time(end) : c.Note ?? "") +
                             Cell(days?.ToString(CultureInfo.InvariantCulture) ?? "?"));
        }));
    }

    private static void Service(StringBuilder body, ConnectorStatus s)
    {
        if (s.Service is not { } service) return;
        body.Append("<h2>Service</h2>");
        Table(body, "service", ["Field", "Value"], Rows(("Mode", service.Mode), ("Discovery", service.DiscoveryUrl), ("PKI", service.PkiBaseUri),
            ("SCEP", service.ScepBaseUri), ("Last health message", service.LastHealth is { } h ? JsonSerializer.Serialize(h, Json) : null), ("Note", service.HealthNote)));
    }

    /// <summary>
    /// The hook for whatever the status model gains (e.g. each instance's version lifecycle): every field of <see cref="ConnectorStatus"/>
    /// this page does not show in its own section is listed here, encoded, so new data shows up without a change to the page.
    /// </summary>
    private static void More(StringBuilder body, ConnectorStatus s)
    {
        var extra = Extra(s, KnownStatusFields);
        if (extra.Length == 0) return;
        body.Append("<h2>More</h2><div class=\"scroll\"><pre id=\"more\">").Append(H(extra)).Append("</pre></div>");
    }

    private static readonly HashSet<string> KnownStatusFields = new(StringComparer.OrdinalIgnoreCase)
        { "instance", "version", "self", "roles", "members", "unreachable", "warnings", "service", "cas", "lifecycle", "releaseDate" };

    private static readonly HashSet<string> KnownMemberFields = new(StringComparer.OrdinalIgnoreCase)
        { "address", "status", "roles", "reachable", "version", "instance", "startedAt", "uptime", "isLeader", "isSelf", "instanceId", "connectorKey", "cas", "lifecycle" };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>The non-null fields of <paramref name="record"/> outside <paramref name="known"/>, one "name: value" per line.</summary>
    private static string Extra(object record, HashSet<string> known)
    {
        var json = JsonSerializer.SerializeToElement(record, record.GetType(), Json);
        return string.Join("\n", json.EnumerateObject().Where(p => !known.Contains(p.Name) && p.Value.ValueKind != JsonValueKind.Null)
            .Select(p => $"{p.Name}: {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"));
    }

    private static string Page(string title, string body) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="same-origin"><title>{H(title)}</title><style>{Style}</style></head>
        <body>
        {body}
        </body></html>
        """;

    private static void Table(StringBuilder body, string id, IReadOnlyList<string> header, IEnumerable<string> rows) =>
        body.Append($"<div class=\"scroll\"><table id=\"{H(id)}\"><thead><tr>").AppendJoin("", header.Select(h => $"<th>{H(h)}</th>"))
            .Append("</tr></thead><tbody>").AppendJoin("", rows).Append("</tbody></table></div>");

    private static string Row(string? mark, string cells, string attributes = "") =>
        $"<tr{(mark is null ? "" : $" class=\"{mark}\"")}{attributes}>{cells}</tr>";

    private static IEnumerable<string> Rows(params (string Name, string? Value)[] fields) =>
        fields.Where(f => f.Value is { Length: > 0 }).Select(f => Row(null, Cell(f.Name) + Wrap(f.Value)));

    private static string Cell(string? text) => $"<td>{H(text)}</td>";
    private static string Wrap(string? text) => $"<td class=\"wrap\">{H(text)}</td>";
    private static string Num(long n) => $"<td>{n.ToString(CultureInfo.InvariantCulture)}</td>";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
