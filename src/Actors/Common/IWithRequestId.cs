namespace CertConnector.Actors.Common;

/// <summary>Every command, event and query about one request carries its ID; the shard extractor and
/// the serializer binding both key on this one interface.</summary>
public interface IWithRequestId
{
    string RequestId { get; }
}

/// <summary>Marker for everything that is persisted or crosses the wire: bound to our own versioned
/// serializer (never Akka's default JSON).</summary>
public interface IConnectorSerializable;

/// <summary>Marker for persisted events.</summary>
public interface IConnectorEvent : IConnectorSerializable, IWithRequestId
{
    DateTimeOffset At { get; }
}
