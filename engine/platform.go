package engine

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berthdev/berth/internal/errdefs"
)

// CheckImagePlatform checks that the local image ref is of platform
// ("os/arch[/variant]", docker's --platform): docker's error when it is
// another ("image with reference X was found but does not match the
// specified platform: wanted linux/arm64, actual: linux/amd64"). A variant
// is compared only when both sides name one.
func (e *Engine) CheckImagePlatform(ref, platform string) error {
	want, err := v1.ParsePlatform(platform)
	if err != nil || want.OS == "" || want.Architecture == "" {
		return fmt.Errorf("invalid platform %q (want os/arch[/variant]): %w", platform, errdefs.ErrInvalid)
	}
	img, err := e.images.Resolve(ref)
	if err != nil {
		return err
	}
	have := v1.Platform{OS: img.OS, Architecture: img.Architecture, Variant: img.Variant}
	if have.OS != want.OS || have.Architecture != want.Architecture || (want.Variant != "" && have.Variant != "" && want.Variant != have.Variant) {
		return &PlatformMismatchError{Ref: ref, Wanted: want.String(), Actual: have.String()}
	}
	return nil
}

// PlatformMismatchError is a local image of another platform than asked.
type PlatformMismatchError struct{ Ref, Wanted, Actual string }

func (e *PlatformMismatchError) Error() string {
	return fmt.Sprintf("image with reference %s was found but does not match the specified platform: wanted %s, actual: %s", e.Ref, e.Wanted, e.Actual)
}
