using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal;

/// <summary>
/// Fans agent events out to every WatchEvents stream. Each subscriber has a bounded queue; a
/// subscriber that does not read loses its oldest events rather than slowing the checkout.
/// </summary>
internal sealed class EventHub
{
    private const int QueueCapacity = 1024;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly List<Subscription> _subscribers = [];
    private long _sequence;

    public EventHub(TimeProvider time) => _time = time;

    public void Publish(AgentEvent agentEvent)
    {
        Subscription[] targets;
        lock (_gate)
        {
            agentEvent.Sequence = ++_sequence;
            agentEvent.Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow());
            targets = [.. _subscribers];
        }

        var kind = KindOf(agentEvent);
        foreach (var subscriber in targets)
        {
            if (subscriber.Kinds.Count == 0 || subscriber.Kinds.Contains(kind))
            {
                subscriber.Channel.Writer.TryWrite(agentEvent);
            }
        }
    }

    public Subscription Subscribe(IEnumerable<EventKind> kinds)
    {
        var subscription = new Subscription(this, [.. kinds.Where(k => k != EventKind.Unspecified)]);
        lock (_gate)
        {
            _subscribers.Add(subscription);
        }

        return subscription;
    }

    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    public static EventKind KindOf(AgentEvent agentEvent) => agentEvent.EventCase switch
    {
        AgentEvent.EventOneofCase.Scan => EventKind.Scan,
        AgentEvent.EventOneofCase.DeviceStatus => EventKind.DeviceStatus,
        AgentEvent.EventOneofCase.PrintJobCompleted => EventKind.PrintJobCompleted,
        AgentEvent.EventOneofCase.SyncState => EventKind.SyncState,
        AgentEvent.EventOneofCase.Correction => EventKind.Correction,
        AgentEvent.EventOneofCase.CardAttached => EventKind.CardAttached,
        AgentEvent.EventOneofCase.OperationParked => EventKind.OperationParked,
        _ => EventKind.Unspecified,
    };

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscription);
        }
    }

    internal sealed class Subscription : IDisposable
    {
        private readonly EventHub _hub;

        public Subscription(EventHub hub, HashSet<EventKind> kinds)
        {
            _hub = hub;
            Kinds = kinds;
            Channel = System.Threading.Channels.Channel.CreateBounded<AgentEvent>(new BoundedChannelOptions(QueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            });
        }

        public HashSet<EventKind> Kinds { get; }

        public Channel<AgentEvent> Channel { get; }

        public ChannelReader<AgentEvent> Reader => Channel.Reader;

        public void Dispose()
        {
            _hub.Remove(this);
            Channel.Writer.TryComplete();
        }
    }
}
