package testenv_test

// One real round trip per server that scripts/testenv/up.sh starts. Each
// test reads its server's address only through testenv.Get, so under a plain
// `go test` without .testenv/env.sh sourced they skip, and with
// CONSIGN_TEST_REQUIRE=1 they fail.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/consign/consign/internal/testenv"
)

// uniqueName returns prefix followed by 12 random hex digits: tests share
// the servers, so every topic, bucket and container gets a fresh name.
func uniqueName(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

// payload returns n random bytes, different on every run, so a test cannot
// pass by reading something an earlier run left behind.
func payload(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkBody reads body to its end, closes it, and fails the test unless
// it holds want; what names the object in messages, and done says how
// want was stored ("put", "uploaded").
func checkBody(t *testing.T, body io.ReadCloser, what string, want []byte, done string) {
	t.Helper()
	defer body.Close()
	got, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read %s: %v", what, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes back, want the %d %s (contents differ)", what, len(got), len(want), done)
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestKafkaRoundTrip(t *testing.T) {
	addr := testenv.Get(t, testenv.Kafka)
	ctx := testContext(t)
	topic := uniqueName(t, "consign-smoke-")
	group := uniqueName(t, "consign-smoke-group-")

	admCl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admCl.Close) // after the deletions below (cleanups run last-in first-out)
	adm := kadm.NewClient(admCl)
	created, err := adm.CreateTopic(ctx, 1, 1, nil, topic)
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	if created.Err != nil {
		t.Fatalf("create topic %s: %v (%s)", topic, created.Err, created.ErrMessage)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := adm.DeleteTopic(ctx, topic); err != nil {
			t.Logf("delete topic %s: %v", topic, err)
		}
		if _, err := adm.DeleteGroup(ctx, group); err != nil {
			t.Logf("delete group %s: %v", group, err)
		}
	})

	want := [][]byte{payload(t, 100), payload(t, 64<<10), []byte("third")}
	for i, v := range want {
		rec := &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i)), Value: v}
		if err := admCl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatalf("produce record %d: %v", i, err)
		}
	}

	// Read them back through a consumer group, which also exercises the
	// group coordinator and __consumer_offsets on this single node.
	cons, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	var got []*kgo.Record
	for len(got) < len(want) {
		fetches := cons.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records before the deadline: %v", len(got), len(want), err)
		}
		fetches.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetch %s/%d: %v", topic, p, err)
		})
		got = append(got, fetches.Records()...)
	}
	if len(got) != len(want) {
		t.Fatalf("consumed %d records, produced %d", len(got), len(want))
	}
	for i, r := range got {
		if string(r.Key) != fmt.Sprint(i) || r.Offset != int64(i) {
			t.Errorf("record %d: key %q offset %d, want key %q offset %d", i, r.Key, r.Offset, fmt.Sprint(i), i)
		}
		if !bytes.Equal(r.Value, want[i]) {
			t.Errorf("record %d: value differs (%d bytes, want %d)", i, len(r.Value), len(want[i]))
		}
	}
	if err := cons.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit offsets: %v", err)
	}
	offs, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatalf("fetch committed offsets: %v", err)
	}
	o, ok := offs.Lookup(topic, 0)
	if !ok || o.Err != nil || o.At != int64(len(want)) {
		t.Fatalf("committed offset for %s/0 = %+v (found %v), want %d", topic, o, ok, len(want))
	}
}

func TestS3RoundTrip(t *testing.T) {
	endpoint := testenv.Get(t, testenv.S3Endpoint)
	access := testenv.Get(t, testenv.S3AccessKey)
	secret := testenv.Get(t, testenv.S3SecretKey)
	region := testenv.Get(t, testenv.S3Region)
	ctx := testContext(t)

	cl := s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(access, secret, ""),
		UsePathStyle: true,
	})
	bucket := uniqueName(t, "consign-smoke-")
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	key := "dir/smoke object.bin"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
			t.Logf("delete object: %v", err)
		}
		if _, err := cl.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Logf("delete bucket %s: %v", bucket, err)
		}
	})

	want := payload(t, 1<<20+123)
	if _, err := cl.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(want),
	}); err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	checkBody(t, out.Body, bucket+"/"+key, want, "put")
	if _, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")}); err == nil {
		t.Fatal("get of a missing key succeeded")
	}
}

func TestAzuriteRoundTrip(t *testing.T) {
	connStr := testenv.Get(t, testenv.AzureConnStr)
	ctx := testContext(t)

	cl, err := azblob.NewClientFromConnectionString(connStr, nil)
	if err != nil {
		t.Fatalf("client from connection string: %v", err)
	}
	container := uniqueName(t, "consign-smoke-")
	if _, err := cl.CreateContainer(ctx, container, nil); err != nil {
		t.Fatalf("create container %s: %v", container, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := cl.DeleteContainer(ctx, container, nil); err != nil {
			t.Logf("delete container %s: %v", container, err)
		}
	})

	want := payload(t, 3<<20+7) // several blocks with the default 1 MiB block size
	const name = "dir/smoke.bin"
	if _, err := cl.UploadStream(ctx, container, name, bytes.NewReader(want), &azblob.UploadStreamOptions{BlockSize: 1 << 20}); err != nil {
		t.Fatalf("upload %s/%s: %v", container, name, err)
	}
	resp, err := cl.DownloadStream(ctx, container, name, nil)
	if err != nil {
		t.Fatalf("download %s/%s: %v", container, name, err)
	}
	checkBody(t, resp.Body, container+"/"+name, want, "uploaded")
}

func TestKuboRoundTrip(t *testing.T) {
	api := testenv.Get(t, testenv.IPFSAPI)
	ctx := testContext(t)
	want := payload(t, 600<<10) // more than one 256 KiB chunk

	// Stream the file into a multipart body instead of building it in memory.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", "smoke.bin")
		if err == nil {
			_, err = io.Copy(part, bytes.NewReader(want))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, api+"/api/v0/add?pin=false&cid-version=1", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("add: %v", err)
	}
	var added struct{ Name, Hash, Size string }
	err = json.NewDecoder(resp.Body).Decode(&added)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("add: status %s, decode error %v", resp.Status, err)
	}
	if !strings.HasPrefix(added.Hash, "bafy") {
		t.Fatalf("add returned %q, want a CIDv1 (bafy…)", added.Hash)
	}

	req, err = http.NewRequestWithContext(ctx, http.MethodPost, api+"/api/v0/cat?arg="+url.QueryEscape(added.Hash), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("cat %s: %v", added.Hash, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		t.Fatalf("cat %s: %s: %s", added.Hash, resp.Status, msg)
	}
	checkBody(t, resp.Body, "cat "+added.Hash, want, "added")
}

func TestGethValueTransfer(t *testing.T) {
	cl, key := testenv.Geth(t)
	ctx := testContext(t)

	chainID, err := cl.ChainID(ctx)
	if err != nil {
		t.Fatalf("chain id: %v", err)
	}
	if chainID.Cmp(big.NewInt(1337)) != 0 {
		t.Fatalf("chain id %v, want geth --dev's 1337", chainID)
	}

	// A fresh recipient, so its balance afterwards is exactly the value sent.
	to := crypto.PubkeyToAddress(mustKey(t).PublicKey)
	value := big.NewInt(1_234_567_890_123)
	unlock := testenv.LockEthFunder(t)
	receipt := sendValue(ctx, t, cl, key, chainID, to, value)
	unlock()
	if receipt.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transfer %s mined with status %d", receipt.TxHash, receipt.Status)
	}
	bal, err := cl.BalanceAt(ctx, to, receipt.BlockNumber)
	if err != nil {
		t.Fatalf("balance of %s: %v", to, err)
	}
	if bal.Cmp(value) != 0 {
		t.Fatalf("recipient balance %v, want %v", bal, value)
	}
}

func mustKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// sendValue signs and sends a transfer and waits for its receipt. Other test
// processes may send from the same key at the same moment, so a nonce taken
// by someone else is retried with a fresh one.
func sendValue(ctx context.Context, t *testing.T, cl *ethclient.Client, key *ecdsa.PrivateKey, chainID *big.Int, to common.Address, value *big.Int) *types.Receipt {
	t.Helper()
	from := crypto.PubkeyToAddress(key.PublicKey)
	signer := types.LatestSignerForChainID(chainID)
	var tx *types.Transaction
	for attempt := 1; ; attempt++ {
		nonce, err := cl.PendingNonceAt(ctx, from)
		if err != nil {
			t.Fatalf("nonce of %s: %v", from, err)
		}
		tip, err := cl.SuggestGasTipCap(ctx)
		if err != nil {
			t.Fatalf("gas tip: %v", err)
		}
		head, err := cl.HeaderByNumber(ctx, nil)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
		tx, err = types.SignNewTx(key, signer, &types.DynamicFeeTx{
			ChainID: chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
			Gas: 21000, To: &to, Value: value,
		})
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		err = cl.SendTransaction(ctx, tx)
		if err == nil {
			break
		}
		if attempt < 10 && nonceTaken(err) {
			t.Logf("nonce %d taken by another sender (%v); retrying", nonce, err)
			continue
		}
		t.Fatalf("send transfer from %s: %v", from, err)
	}
	for {
		r, err := cl.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			return r
		}
		if !errors.Is(err, ethereum.NotFound) {
			t.Fatalf("receipt of %s: %v", tx.Hash(), err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("transfer %s not mined: %v", tx.Hash(), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func nonceTaken(err error) bool {
	m := err.Error()
	return strings.Contains(m, "nonce too low") || strings.Contains(m, "replacement transaction underpriced")
}
