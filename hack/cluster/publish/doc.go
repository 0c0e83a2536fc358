// Command publish makes a TCP port of the node's network namespace reachable
// on the machine's loopback, the only address the rest of the machine may use:
//
//	publish --netns /run/netns/stagehand-node --listen 127.0.0.1:16443 --to 127.0.0.1:6443
//
// It opens the listening socket in the machine's namespace, then replaces
// itself (same process ID) with `nsenter --net=NETNS publish --inherit ...`:
// the socket keeps the namespace it was made in, while every connection to
// --to is dialed from inside the node's namespace. A Go program cannot enter
// a network namespace for all of its threads, which is why it goes through
// nsenter instead of setns.
package main
