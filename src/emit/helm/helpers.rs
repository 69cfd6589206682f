//! `_helpers.tpl`: the named templates of names, labels and images.

/// The named template that joins an image's repository, tag and digest.
pub(super) const IMAGE_HELPER: &str = "podlift.image";

pub(super) fn helpers() -> String {
    format!(
        "{{{{/*\n\
         The release's name for the chart's objects: `fullnameOverride`, else\n\
         `<release>-<chart>` (`nameOverride` replaces the chart's name), or the\n\
         release's name alone when it already holds the chart's. 63 characters at most.\n\
         */}}}}\n\
         {{{{- define \"podlift.fullname\" -}}}}\n\
         {{{{- if .Values.fullnameOverride -}}}}\n\
         {{{{- .Values.fullnameOverride | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- $name := default .Chart.Name .Values.nameOverride -}}}}\n\
         {{{{- if contains $name .Release.Name -}}}}\n\
         {{{{- .Release.Name | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- printf \"%s-%s\" .Release.Name $name | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         An object's name: the full name, then `-suffix` (the object's name in\n\
         `podlift convert` without the project's prefix); `max` characters at most.\n\
         Arguments: (dict \"root\" $ \"suffix\" SUFFIX \"max\" MAX).\n\
         */}}}}\n\
         {{{{- define \"podlift.objectname\" -}}}}\n\
         {{{{- $full := include \"podlift.fullname\" .root -}}}}\n\
         {{{{- if .suffix -}}}}\n\
         {{{{- printf \"%s-%s\" $full .suffix | trunc (int .max) | trimSuffix \"-\" -}}}}\n\
         {{{{- else -}}}}\n\
         {{{{- $full -}}}}\n\
         {{{{- end -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         The chart label: name and version.\n\
         */}}}}\n\
         {{{{- define \"podlift.chart\" -}}}}\n\
         {{{{- printf \"%s-%s\" .Chart.Name .Chart.Version | replace \"+\" \"_\" | trunc 63 | trimSuffix \"-\" -}}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         Selector labels: the workload's name and the release. Arguments: (dict \"root\" $ \"name\" NAME).\n\
         */}}}}\n\
         {{{{- define \"podlift.selectorLabels\" -}}}}\n\
         app.kubernetes.io/name: {{{{ .name | quote }}}}\n\
         app.kubernetes.io/instance: {{{{ .root.Release.Name | quote }}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         Helm's standard labels. Arguments: (dict \"root\" $ \"name\" NAME).\n\
         */}}}}\n\
         {{{{- define \"podlift.labels\" -}}}}\n\
         helm.sh/chart: {{{{ include \"podlift.chart\" .root | quote }}}}\n\
         {{{{ include \"podlift.selectorLabels\" . }}}}\n\
         {{{{- with .root.Chart.AppVersion }}}}\n\
         app.kubernetes.io/version: {{{{ . | quote }}}}\n\
         {{{{- end }}}}\n\
         app.kubernetes.io/managed-by: {{{{ .root.Release.Service | quote }}}}\n\
         {{{{- end -}}}}\n\
         \n\
         {{{{/*\n\
         An image reference from a map of `repository`, `tag` and `digest`:\n\
         repository[:tag][@digest], quoted.\n\
         */}}}}\n\
         {{{{- define \"{IMAGE_HELPER}\" -}}}}\n\
         {{{{- $ref := .repository | toString -}}}}\n\
         {{{{- if .tag }}}}{{{{ $ref = printf \"%s:%v\" $ref .tag }}}}{{{{ end -}}}}\n\
         {{{{- if .digest }}}}{{{{ $ref = printf \"%s@%v\" $ref .digest }}}}{{{{ end -}}}}\n\
         {{{{- $ref | quote -}}}}\n\
         {{{{- end -}}}}\n"
    )
}
