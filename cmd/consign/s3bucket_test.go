package main

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// createBucket makes the bucket cfg names on its S3 server.
func createBucket(t *testing.T, ctx context.Context, cfg nodeConfig) {
	t.Helper()
	sc := cfg.Storage.S3
	client := awss3.New(awss3.Options{
		Region:       sc.Region,
		BaseEndpoint: aws.String(sc.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(sc.AccessKey, sc.SecretKey, ""),
	})
	if _, err := client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(sc.Bucket)}); err != nil {
		t.Fatal(err)
	}
}
