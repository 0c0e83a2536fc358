package inject

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
)

// The user stagehand's own containers run as: distroless "nonroot".
const nonRootUID int64 = 65532

// smallDirLimit is the share of stagehand's emptyDir of the agent's binary,
// and that of the spool.
func smallDirLimit() resource.Quantity { return resource.MustParse("64Mi") }

// restrictedSecurityContext satisfies PodSecurity "restricted".
func restrictedSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr.To(true),
		RunAsUser:                ptr.To(nonRootUID),
		RunAsGroup:               ptr.To(nonRootUID),
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// resources builds small requests and limits.
func resources(cpuRequest, memRequest, cpuLimit, memLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuRequest), corev1.ResourceMemory: resource.MustParse(memRequest)},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuLimit), corev1.ResourceMemory: resource.MustParse(memLimit)},
	}
}

// initContainer builds one of stagehand's init containers. The fields the
// API server would default are spelled out, so that a re-invocation finds
// the defaulted container equal and emits no patch.
func initContainer(name, image string, command []string, env []corev1.EnvVar, mounts []corev1.VolumeMount, res corev1.ResourceRequirements) corev1.Container {
	return corev1.Container{
		Name:                     name,
		Image:                    image,
		Command:                  command,
		Env:                      env,
		VolumeMounts:             mounts,
		Resources:                res,
		ImagePullPolicy:          corev1.PullIfNotPresent,
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          restrictedSecurityContext(),
	}
}

func ptrTo[T any](v T) *T { return &v }

// secretFileMode is the mode of files stagehand mounts from Secrets:
// readable by the pod's fsGroup when it has one, and otherwise by the
// container's user, whatever its uid, since the files belong to root.
func secretFileMode(pod *Input) *int32 {
	if sc := pod.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
		return ptr.To[int32](0o440)
	}
	return ptr.To[int32](0o444)
}
