package docstore_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/consign/consign/storage/storagetest/stores"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestSuiteLocal(t *testing.T)        { runSuite(t, stores.Local) }
func TestSuiteS3(t *testing.T)           { runSuite(t, stores.S3) }
func TestSuiteAzure(t *testing.T)        { runSuite(t, stores.Azure) }
func TestSuiteIPFSEmbedded(t *testing.T) { runSuite(t, stores.IPFSEmbedded) }
func TestSuiteKubo(t *testing.T)         { runSuite(t, stores.Kubo) }
