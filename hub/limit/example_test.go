package limit_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/iohub/iohub/hub/limit"
)

// A Limiter admits connections per client address and events per socket;
// the zero Settings limit nothing.
func Example() {
	now := time.Unix(1_700_000_000, 0) // a clock that stands still: no refill
	l := limit.New(limit.Settings{
		MaxConnectionsPerIP: 1,
		Events:              limit.NewRate(1, 2), // 1/s, a burst of 2
	}, func() time.Time { return now })
	ip := netip.MustParseAddr("203.0.113.7")
	slot, err := l.Admit(ip)
	_, second := l.Admit(ip)
	fmt.Println(err, second)
	slot.Release()

	var socket limit.Bucket
	fmt.Println(l.AllowEvent(&socket), l.AllowEvent(&socket), l.AllowEvent(&socket))
	// Output:
	// <nil> too many connections
	// true true false
}
