import { transactionStatuses, type TransactionStatus } from '../../api/types.ts';

interface StatusChipsProps {
  selected: TransactionStatus | '';
  onSelect: (status: TransactionStatus | '') => void;
}

export function StatusChips({ selected, onSelect }: StatusChipsProps) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, styled as chips; a fieldset would bring a border and legend the design has no place for
    <div className="chips" role="group" aria-label="Filter by status">
      <button type="button" className={selected === '' ? 'chip active' : 'chip'} data-testid="status-chip-ALL" onClick={() => onSelect('')}>
        all
      </button>
      {transactionStatuses.map((status) => (
        <button
          key={status}
          type="button"
          className={`chip chip-${status.toLowerCase()}${selected === status ? ' active' : ''}`}
          data-testid={`status-chip-${status}`}
          onClick={() => onSelect(selected === status ? '' : status)}
        >
          {status}
        </button>
      ))}
    </div>
  );
}
