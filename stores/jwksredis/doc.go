// Package jwksredis is a [store.Replay] and [store.Revocation] shared by
// every replica of a service through Redis, with github.com/redis/go-redis/v9:
//
//   - Replay (DPoP proof jti): one SET NX with an absolute expiry per proof,
//     so a proof used on one replica is refused on every other. When Redis
//     cannot answer, Use fails closed ([store.ErrUnavailable]): no proof is
//     accepted that might be a replay.
//   - Revocation: entries live in a sorted set (scored by expiry) with a
//     version counter; Revoke writes the entry, bumps the version and
//     publishes a notification in one MULTI. Each replica keeps the whole
//     list in memory and checks tokens against it without a round trip:
//     it re-reads the list when notified and, in any case, every
//     [Options].SyncInterval (the most a replica may lag behind a
//     revocation, 1 s by default). When Redis is down a replica keeps
//     answering from its last copy for [Options].MaxStale, then follows
//     [Options].Policy (fail closed by default). After Redis loses its
//     data (a restart without persistence), replicas write back the
//     entries they hold, so a revocation is not undone by a restart.
//
// Keys are namespaced by [Options].Prefix. A Store runs one background
// goroutine, stopped by Close.
package jwksredis
