using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Persistence;

/// <summary>
/// A <see cref="RequestView"/>'s feature details, written as <c>{"manifest": …, "value": …}</c> with the details type's own manifest
/// from its feature's table: the common view names no feature, and the payload names no CLR type. Reading takes only types that are
/// <see cref="IRequestViewDetails"/>, so a forged manifest cannot make the reader build an event or anything else.
/// </summary>
internal sealed class RequestViewDetailsConverter(Func<Type, string?> manifestOf, Func<string, Type?> typeOf) : JsonConverter<IRequestViewDetails>
{
    public override IRequestViewDetails? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("manifest", out var manifest) || manifest.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("value", out var value))
            throw new SerializationException("Request view details need a manifest and a value.");
        var name = manifest.GetString()!;
        if (typeOf(name) is not { } type || !typeof(IRequestViewDetails).IsAssignableFrom(type))
            throw new SerializationException($"Unknown request view details '{name}': written by a newer connector version?");
        return (IRequestViewDetails?)value.Deserialize(type, options);
    }

    public override void Write(Utf8JsonWriter writer, IRequestViewDetails value, JsonSerializerOptions options)
    {
        var type = value.GetType();
        if (value is IHoldsSecret) throw new SerializationException($"{type.Name} holds a secret: a view never carries one.");
        writer.WriteStartObject();
        writer.WriteString("manifest", manifestOf(type) ?? throw new SerializationException($"{type.FullName} has no manifest; add one to its feature's table."));
        writer.WritePropertyName("value");
        JsonSerializer.Serialize(writer, value, type, options);
        writer.WriteEndObject();
    }
}
