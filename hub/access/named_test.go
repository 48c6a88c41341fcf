package access

import "testing"

func TestNamed(t *testing.T) {
	ev, err := ParseEvent("api::blog.article.create")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		prefix, want string
		ok           bool
	}{
		{"article", "article:create", true},
		{"blog", "blog:create", true},
		{"a b", "", false},
		{"", "", false},
		{"x:y", "", false},
	}
	for _, tt := range tests {
		got, err := ev.Named(tt.prefix)
		if (err == nil) != tt.ok || (tt.ok && (got.Name() != tt.want || got.Permission() != "api::blog.article.create")) {
			t.Errorf("Named(%q) = %q, %v", tt.prefix, got.Name(), err)
		}
	}
	if got, _ := ev.Named("blog"); got != ev {
		t.Errorf("the default prefix changed the event: %+v", got)
	}
}
