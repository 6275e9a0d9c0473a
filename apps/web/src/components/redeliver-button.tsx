/** A delivery row's "redeliver" button: sends it again now, without toggling the row it sits in. */
export function RedeliverButton(props: { pending: boolean; onRedeliver: () => void; title: string; testId: string }) {
  return (
    <button
      type="button"
      disabled={props.pending}
      onClick={(click) => {
        click.stopPropagation();
        props.onRedeliver();
      }}
      title={props.title}
      data-testid={props.testId}
    >
      redeliver
    </button>
  );
}
