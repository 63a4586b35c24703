import { ButtonLink } from '../components/Button.tsx';
import { EmptyState } from '../components/EmptyState.tsx';

export function NotFound() {
  return (
    <EmptyState
      icon="search"
      title="Page not found"
      actions={
        <ButtonLink to="/projects" variant="primary">
          Go to your projects
        </ButtonLink>
      }
    >
      The address may be mistyped, or the page has moved.
    </EmptyState>
  );
}
