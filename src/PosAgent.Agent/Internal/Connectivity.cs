using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal;

/// <summary>What the agent knows about its link to the central service (read by status and the checkout).</summary>
internal sealed class Connectivity
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private ConnectivityState _state;
    private DateTimeOffset? _lastContact;
    private string? _lastError;

    public Connectivity(TimeProvider time, bool configured)
    {
        _time = time;
        _state = configured ? ConnectivityState.Online : ConnectivityState.NotConfigured;
    }

    /// <summary>Raised (outside the lock) when the state changes.</summary>
    public event Action<ConnectivityState>? Changed;

    public ConnectivityState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>True when calls to the central service may be tried now (configured and the circuit is not open).</summary>
    public bool MayCallCentral => State is ConnectivityState.Online or ConnectivityState.Degraded;

    public DateTimeOffset? LastContact
    {
        get
        {
            lock (_gate)
            {
                return _lastContact;
            }
        }
    }

    public string? LastError
    {
        get
        {
            lock (_gate)
            {
                return _lastError;
            }
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            _lastContact = _time.GetUtcNow();
        }

        Set(ConnectivityState.Online, null);
    }

    public void Failed(string error) => Set(null, error);

    public void Degraded(string error) => Set(ConnectivityState.Degraded, error);

    public void Offline(string error) => Set(ConnectivityState.Offline, error);

    private void Set(ConnectivityState? state, string? error)
    {
        ConnectivityState? changed = null;
        lock (_gate)
        {
            if (_state == ConnectivityState.NotConfigured)
            {
                return;
            }

            if (error is not null)
            {
                _lastError = error;
            }

            if (state is { } s && s != _state)
            {
                // Only the circuit breaker (Offline) or a success (Online) leaves the offline state.
                if (!(_state == ConnectivityState.Offline && s == ConnectivityState.Degraded))
                {
                    _state = s;
                    changed = s;
                }
            }
        }

        if (changed is { } c)
        {
            Changed?.Invoke(c);
        }
    }
}
