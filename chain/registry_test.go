package chain

import (
	"testing"

	"github.com/consign/consign/destination"
)

// A profile key under DestinationKeyPrefix that is not a URI (SetProfile
// can write one; PublishDestination cannot) names no destination.
func TestMemberDestinationsSkipsNonURIs(t *testing.T) {
	a := destination.MustParse("kld://documentstore/m/orga/e/env1/s/svc/d/a")
	b := destination.MustParse("kld://app2app/m/orga/e/env1/s/svc/d/b")
	m := &Member{Name: "orga", Status: StatusActive, Profile: map[string]string{
		DestinationKeyPrefix + b.String(): "pem-b",
		DestinationKeyPrefix + "garbage":  "pem-x",
		DestinationKeyPrefix + a.String(): "pem-a",
		"note":                            "x",
	}}
	ds := m.Destinations()
	if len(ds) != 2 || ds[0].URI != b || ds[0].Name != "b" || ds[0].CertificatePEM != "pem-b" ||
		ds[1].URI != a || ds[1].Name != "a" || ds[1].Member != "orga" {
		t.Fatalf("destinations %+v", ds)
	}
}
