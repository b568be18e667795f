using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The write transactions of one SQLite file, run one after another by a single writer, as many as are waiting in one
/// transaction (group commit). SQLite has one writer at a time and every commit costs an fsync (~2 ms here); writers
/// that each take the lock themselves wait on each other (and Microsoft.Data.Sqlite sleeps between busy retries), so
/// concurrent enrollments used to queue behind one fsync each. Each write runs inside its own SAVEPOINT: one that throws
/// is rolled back alone and fails alone; the others commit together, and nobody hears of success before the COMMIT.
/// </summary>
internal sealed class SqliteGroupCommit : IAsyncDisposable
{
    /// <summary>At most this many writes share a transaction, so one slow batch cannot hold the lock for long.</summary>
    public const int MaxBatch = 128;

    private readonly Func<CancellationToken, Task<DbConnection>> _open;
    private readonly Channel<IWrite> _queue = Channel.CreateUnbounded<IWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public SqliteGroupCommit(Func<CancellationToken, Task<DbConnection>> open)
    {
        _open = open;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task<T> RunAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var write = new Write<T>(work, cancellationToken);
        if (!_queue.Writer.TryWrite(write)) throw new ObjectDisposedException(nameof(SqliteGroupCommit));
        return write.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<IWrite>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
                if (!write.CancelIfRequested()) batch.Add(write);
            if (batch.Count > 0) await CommitAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync(List<IWrite> batch)
    {
        var succeeded = new List<IWrite>(batch.Count);
        try
        {
            await using var connection = await _open(CancellationToken.None).ConfigureAwait(false);
            await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
            {
                var savepoint = $"w{i}";
                await transaction.SaveAsync(savepoint).ConfigureAwait(false);
                try
                {
                    await batch[i].RunAsync(connection, transaction).ConfigureAwait(false);
                    await transaction.ReleaseAsync(savepoint).ConfigureAwait(false);
                    succeeded.Add(batch[i]);
                }
                catch (Exception e) when (e is not SqliteException { SqliteErrorCode: 5 or 6 or 10 or 13 }) // busy, locked, I/O, full: the batch fails
                {
                    await transaction.RollbackAsync(savepoint).ConfigureAwait(false);
                    batch[i].Fail(e);
                }
            }
            await transaction.CommitAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Nothing of this batch is committed: every write still waiting fails with the cause.
            foreach (var write in batch) write.Fail(e);
            return;
        }
        foreach (var write in succeeded) write.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private interface IWrite
    {
        bool CancelIfRequested();
        Task RunAsync(DbConnection connection, DbTransaction transaction);
        void Complete();
        void Fail(Exception e);
    }

    private sealed class Write<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) : IWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _done.Task;

        public bool CancelIfRequested() => cancellationToken.IsCancellationRequested && _done.TrySetCanceled(cancellationToken);

        public async Task RunAsync(DbConnection connection, DbTransaction transaction) =>
            _result = await work(connection, transaction).ConfigureAwait(false);

        public void Complete() => _done.TrySetResult(_result);

        public void Fail(Exception e) => _done.TrySetException(e);
    }
}
